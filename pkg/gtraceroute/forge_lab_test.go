package gtraceroute

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/icmpx/icmpxtest"
	"gnetutils/pkg/netlab"
)

// TestLabForgedAnswers attacks the gtraceroute -I binary. A spoofer on r1
// sees each probe's header go by and at once forges towards h1: an echo
// reply from the destination (which, believed, would end the trace at
// the first hop), a time exceeded from an address on no path quoting the
// probe whole with a payload of its own, and a host unreachable (!H)
// quoting only the echo header of a sequence number not sent. The hops
// must be those of the same trace on a quiet network.
func TestLabForgedAnswers(t *testing.T) {
	bin := netlab.Binary(t, "gtraceroute")
	// 20 ms between r1 and r2: the forgeries from r1 reach h1 before the
	// true answers from r2 and beyond. (r1's own it cannot beat.)
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, Delay: []time.Duration{0, 20 * time.Millisecond}, NoICMPRateLimit: true})
	if err := netlab.NoICMPRateLimit(c.H2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, group string
		v6          bool
	}{
		{"raw IPv4", "1 0", false},
		{"raw IPv6", "1 0", true},
		{"datagram IPv4", "0 2147483647", false},
		{"datagram IPv6", "0 2147483647", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.H1.Sysctl("net.ipv4.ping_group_range", tc.group); err != nil {
				t.Fatal(err)
			}
			dst, fake, exceeded, unreach := c.H2Addr4(), "198.18.2.77", [2]uint8{11, 0}, [2]uint8{3, 1}
			if tc.v6 {
				dst, fake, exceeded, unreach = c.H2Addr6(), "fd00:0:0:2::77", [2]uint8{3, 0}, [2]uint8{1, 3}
			}
			args := []string{"-I", "-n", "-w", "1", dst}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			quiet, err := c.H1.Command(ctx, bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, quiet)
			}
			from := netip.MustParseAddr(fake)
			spoofer := icmpxtest.Listen(t, c.Routers[0], "west", netip.MustParseAddr(dst), func(s *icmpxtest.Spoofer, p icmpxtest.Probe) {
				junk := make([]byte, p.Len)
				for i := range junk {
					junk[i] = byte(rand.Uint32())
				}
				for _, pkt := range [][]byte{
					p.Reply(junk),
					p.Error(from, exceeded[0], exceeded[1], [4]byte{}, p.Seq, junk),
					p.Error(from, unreach[0], unreach[1], [4]byte{}, p.Seq+1000, nil),
				} {
					if err := s.Send(p, pkt); err != nil {
						t.Error(err)
					}
				}
			})
			out, err := c.H1.Command(ctx, bin, args...).CombinedOutput()
			if got, want := strings.Join(hops(string(out)), "|"), strings.Join(hops(string(quiet)), "|"); err != nil || got != want || len(hops(string(out))) != 4 {
				t.Errorf("under attack: %v\n%s--- on a quiet network:\n%s", err, out, quiet)
			}
			if n := spoofer.Sent(); n < 4*3*3 {
				t.Errorf("the spoofer forged %d packets, want 3 for each of at least 12 probes", n)
			}
		})
	}
}
