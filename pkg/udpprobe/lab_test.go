package udpprobe

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// collect reads answers until want of them arrived or the deadline passed.
func collect(t *testing.T, p *Prober, want int, limit time.Duration) []Answer {
	t.Helper()
	var got []Answer
	timeout := time.After(limit)
	for len(got) < want {
		select {
		case a := <-p.Answers():
			got = append(got, a)
		case <-timeout:
			return got
		}
	}
	return got
}

// TestLabPathAnswers sends one probe per TTL through a chain of two routers
// and expects time-exceeded from each router and port-unreachable
// (Arrived) from the destination, each matched to its probe, over IPv4 and
// IPv6.
func TestLabPathAnswers(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2, NoICMPRateLimit: true})
	for _, v6 := range []bool{false, true} {
		dst, hops := c.H2Addr4(), []string{c.RouterAddr4(1), c.RouterAddr4(2), c.H2Addr4()}
		if v6 {
			dst, hops = c.H2Addr6(), []string{c.RouterAddr6(1), c.RouterAddr6(2), c.H2Addr6()}
		}
		var p *Prober
		err := c.H1.Do(func() (err error) {
			p, err = New(Config{Dst: netip.AddrPortFrom(netip.MustParseAddr(dst), 33434)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ids := map[uint32]int{}
		for ttl := 1; ttl <= 3; ttl++ {
			pr, err := p.Send(ttl, 60+20*boolInt(v6))
			if err != nil {
				t.Fatalf("v6=%v ttl %d: %v", v6, ttl, err)
			}
			ids[pr.ID] = ttl
		}
		got := collect(t, p, 3, 3*time.Second)
		if len(got) != 3 {
			t.Fatalf("v6=%v: %d answers, want 3: %+v", v6, len(got), got)
		}
		for _, a := range got {
			ttl := ids[a.Probe.ID]
			if ttl == 0 || a.Probe.TTL != ttl {
				t.Errorf("v6=%v: answer for unknown probe %+v", v6, a.Probe)
				continue
			}
			wantKind := TimeExceeded
			if ttl == 3 {
				wantKind = Arrived
			}
			if a.From.String() != hops[ttl-1] || a.Kind != wantKind || a.ICMPv6 != v6 {
				t.Errorf("v6=%v ttl %d: from %v kind %v (type %d code %d), want %s %v", v6, ttl, a.From, a.Kind, a.Type, a.Code, hops[ttl-1], wantKind)
			}
			if back := ReturnHops(a.ReplyTTL); back != ttl {
				t.Errorf("v6=%v ttl %d: reply TTL %d, %d hops back, want %d", v6, ttl, a.ReplyTTL, back, ttl)
			}
			if a.RTT <= 0 || a.RTT > time.Second {
				t.Errorf("v6=%v ttl %d: RTT %v", v6, ttl, a.RTT)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestLabFragNeeded sends DF probes into a 1400-byte link: the router before
// it answers frag-needed / packet-too-big with MTU 1400, a 1400-byte probe
// arrives, and a probe above the local interface MTU never leaves.
func TestLabFragNeeded(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2, MTU: []int{1500, 1400, 1500}, NoICMPRateLimit: true})
	for _, v6 := range []bool{false, true} {
		dst, router := c.H2Addr4(), c.RouterAddr4(1)
		if v6 {
			dst, router = c.H2Addr6(), c.RouterAddr6(1)
		}
		var p *Prober
		err := c.H1.Do(func() (err error) {
			p, err = New(Config{Dst: netip.AddrPortFrom(netip.MustParseAddr(dst), 33434), DF: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if name, mtu := p.Interface(); name != "east" || mtu != 1500 {
			t.Errorf("v6=%v: outgoing interface %q MTU %d, want east 1500", v6, name, mtu)
		}
		if _, err := p.Send(0, 1500); err != nil {
			t.Fatal(err)
		}
		got := collect(t, p, 1, 3*time.Second)
		if len(got) != 1 || got[0].Kind != FragNeeded || got[0].MTU != 1400 || got[0].From.String() != router {
			t.Errorf("v6=%v: 1500-byte DF probe: answers %+v, want frag needed, MTU 1400 from %s", v6, got, router)
		}
		if _, err := p.Send(0, 1400); err != nil {
			t.Fatal(err)
		}
		if got := collect(t, p, 1, 3*time.Second); len(got) != 1 || got[0].Kind != Arrived || got[0].Probe.Size != 1400 {
			t.Errorf("v6=%v: 1400-byte probe: answers %+v, want arrived", v6, got)
		}
		var lm *LocalMTUError
		if _, err := p.Send(0, 1501); !errors.As(err, &lm) || lm.MTU != 1500 {
			t.Errorf("v6=%v: 1501-byte DF probe: error %v, want local MTU 1500", v6, err)
		}
	}
}
