package probes

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/udpprobe"
)

// fake is a Prober whose answers the test queues.
type fake struct{ out chan Answer }

func (f *fake) Send(int, int, int) (time.Time, error) { return time.Now(), nil }
func (f *fake) Answers() <-chan Answer                { return f.out }
func (f *fake) Close() error                          { close(f.out); return nil }

func TestAwait(t *testing.T) {
	t.Run("late answers passed over", func(t *testing.T) {
		f := &fake{out: make(chan Answer, 3)}
		f.out <- Answer{ID: 1}
		f.out <- Answer{ID: 2, Kind: icmpkind.Arrived}
		a, err := Await(context.Background(), f, 2, time.Second)
		if err != nil || a.ID != 2 || a.Kind != icmpkind.Arrived {
			t.Errorf("%+v %v", a, err)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		f := &fake{out: make(chan Answer, 1)}
		f.out <- Answer{ID: 1}
		if _, err := Await(context.Background(), f, 2, 10*time.Millisecond); !errors.Is(err, ErrNoAnswer) {
			t.Errorf("%v, want ErrNoAnswer", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Await(ctx, &fake{out: make(chan Answer)}, 1, time.Second); err != context.Canceled {
			t.Errorf("%v, want context.Canceled", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		f := &fake{out: make(chan Answer)}
		f.Close()
		if _, err := Await(context.Background(), f, 1, time.Second); err == nil || errors.Is(err, ErrNoAnswer) {
			t.Errorf("%v, want the prober's closing", err)
		}
	})
}

func TestRefused(t *testing.T) {
	tests := []struct {
		name string
		err  error
		mtu  int
		ok   bool
	}{
		{"udp larger than the interface", &udpprobe.LocalMTUError{MTU: 1500}, 1500, true},
		{"icmp local error", fmt.Errorf("send: %w", &icmpx.LocalErr{Err: syscall.EMSGSIZE, MTU: 1400}), 1400, true},
		{"other error", syscall.ENETUNREACH, 0, false},
		{"none", nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if mtu, ok := Refused(tc.err); mtu != tc.mtu || ok != tc.ok {
				t.Errorf("Refused(%v) = %d %v, want %d %v", tc.err, mtu, ok, tc.mtu, tc.ok)
			}
		})
	}
}

// TestLoopback needs no lab: loopback answers a UDP probe to a closed port
// with the kernel's port unreachable, and an echo request with a reply;
// either comes back with the id it was sent with.
func TestLoopback(t *testing.T) {
	for _, dst := range []string{"127.0.0.1", "::1"} {
		addr := netip.MustParseAddr(dst)
		u, err := NewUDP(udpprobe.Config{Dst: netip.AddrPortFrom(addr, 33434)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewICMP(icmpx.Config{Dst: addr})
		if err != nil {
			u.Close()
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			p    Prober
			want icmpkind.Kind
		}{{"udp", u, icmpkind.Arrived}, {"icmp", c, icmpkind.Reply}} {
			t.Run(tc.name+" "+dst, func(t *testing.T) {
				for id := 41; id <= 42; id++ {
					if _, err := tc.p.Send(id, 0, 100); err != nil {
						t.Fatal(err)
					}
					a, err := Await(context.Background(), tc.p, id, 2*time.Second)
					if err != nil || a.Kind != tc.want || a.From != addr || a.RTT <= 0 {
						t.Errorf("probe %d: %+v %v", id, a, err)
					}
				}
			})
		}
		u.Close()
		c.Close()
	}
}

// TestICMPSequenceWrap: ICMP probes' sequence numbers are 16 bits, the
// ids gtraceroute --report gives them are not; probes whose ids lie past
// 65,535 (sequence numbers wrapped once, twice) and across each wrap (id
// 65,535 is sequence number 0) still get their answers, with their ids.
func TestICMPSequenceWrap(t *testing.T) {
	c, err := NewICMP(icmpx.Config{Dst: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, first := range []int{1, 65530, 131066, 1<<20 - 3} {
		t.Run(fmt.Sprint(first), func(t *testing.T) {
			for id := first; id < first+8; id++ {
				if _, err := c.Send(id, 0, 100); err != nil {
					t.Fatal(err)
				}
				a, err := Await(context.Background(), c, id, 2*time.Second)
				if err != nil || a.ID != id || a.Kind != icmpkind.Reply {
					t.Errorf("probe %d (sequence number %d): %+v %v", id, uint16(id+1), a, err)
				}
			}
		})
	}
}
