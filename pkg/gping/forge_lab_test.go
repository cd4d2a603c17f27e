package gping

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/icmpx/icmpxtest"
	"gnetutils/pkg/netlab"
)

// TestLabForgedAnswers attacks the gping binary as it pings h2 through r1
// and r2. A spoofer on r1 sees each probe's header go by and at once
// forges towards h1, faster than h2 can answer: an echo reply from h2 with
// a payload of its own; host unreachable from r2 quoting the probe whole
// with its own payload; unreachable quoting only the echo header for the
// probe before (answered already) and for sequence numbers not yet sent;
// and an echo reply to one of those. gping must count what it counts on a
// quiet network, line for line what iputils ping prints there (times
// aside): every probe answered once, no error, no duplicate, and its -c
// run not cut short.
func TestLabForgedAnswers(t *testing.T) {
	bin := netlab.Binary(t, "gping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2, NoICMPRateLimit: true})
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
			dst, r2 := c.H2Addr4(), c.RouterAddr4(2)
			unreach := [2]uint8{3, 1} // host unreachable
			if tc.v6 {
				dst, r2, unreach = c.H2Addr6(), c.RouterAddr6(2), [2]uint8{1, 3} // address unreachable
			}
			args := []string{"-n", "-c", "10", "-i", "0.1", "-W", "2", dst}
			quiet := ""
			if _, err := exec.LookPath("ping"); err == nil {
				quiet, _ = c.H1.CombinedOutput(t, "ping", args...) // before the spoofer starts
			}
			router := netip.MustParseAddr(r2)
			spoofer := icmpxtest.Listen(t, c.Routers[0], "west", netip.MustParseAddr(dst), func(s *icmpxtest.Spoofer, p icmpxtest.Probe) {
				junk := make([]byte, p.Len)
				for i := range junk {
					junk[i] = byte(rand.Uint32())
				}
				for _, pkt := range [][]byte{
					p.Reply(junk),
					p.Error(router, unreach[0], unreach[1], [4]byte{}, p.Seq, junk),
					p.Error(router, unreach[0], unreach[1], [4]byte{}, p.Seq-1, nil),
					p.Error(router, unreach[0], unreach[1], [4]byte{}, p.Seq+1, nil),
					p.Error(router, unreach[0], unreach[1], [4]byte{}, p.Seq+500, junk),
					icmpxtest.Probe{Src: p.Src, Dst: p.Dst, ID: p.ID, Seq: p.Seq + 500}.Reply(junk),
				} {
					if err := s.Send(p, pkt); err != nil {
						t.Error(err)
					}
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			out, err := c.H1.Command(ctx, bin, args...).CombinedOutput()
			text := string(out)
			if err != nil || !strings.Contains(text, "10 packets transmitted, 10 received, 0% packet loss") ||
				strings.Contains(text, "From ") || strings.Contains(text, "errors") || strings.Contains(text, "DUP") || strings.Contains(text, "BAD") {
				t.Errorf("gping under attack: %v\n%s", err, text)
			}
			if quiet != "" && normalize(text) != normalize(quiet) {
				t.Errorf("gping under attack:\n%s--- ping on the quiet lab:\n%s", text, quiet)
			}
			if n := spoofer.Sent(); n < 10*6 {
				t.Errorf("the spoofer forged %d packets, want 6 for each of 10 probes", n)
			}
		})
	}
}

// TestLabSameHostTwice runs the gping binary on one host named twice (each
// family, raw and datagram sockets): each target gets its own probes'
// replies, all of them, none twice, and not the other's.
func TestLabSameHostTwice(t *testing.T) {
	bin := netlab.Binary(t, "gping")
	ns := netlab.ForTest(t).MustNS(t, "h")
	for _, group := range []string{"1 0", "0 2147483647"} {
		if err := ns.Sysctl("net.ipv4.ping_group_range", group); err != nil {
			t.Fatal(err)
		}
		hosts := []string{"127.0.0.1", "127.0.0.1", "::1", "::1"}
		out, err := ns.Command(t.Context(), bin, append([]string{"--json", "-c", "5", "-i", "0.05", "-W", "1"}, hosts...)...).Output()
		var summaries []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var obj map[string]any
			if json.Unmarshal([]byte(line), &obj) == nil && obj["type"] == "summary" {
				summaries = append(summaries, fmt.Sprintf("%v %v/%v dup %v", obj["host"], obj["received"], obj["transmitted"], obj["duplicates"]))
			}
		}
		want := "127.0.0.1 5/5 dup 0|127.0.0.1 5/5 dup 0|::1 5/5 dup 0|::1 5/5 dup 0"
		if got := strings.Join(summaries, "|"); err != nil || got != want {
			t.Errorf("ping_group_range %q: %v: summaries %s, want %s\n%s", group, err, got, want, out)
		}
	}
}
