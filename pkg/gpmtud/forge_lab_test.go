package gpmtud

import (
	"context"
	"encoding/binary"
	"net/netip"

	"regexp"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/icmpx/icmpxtest"
	"gnetutils/pkg/netlab"
)

// TestLabMTUBelowMinimum attacks the gpmtud -I binary on a path of 1500
// bytes: a spoofer on r1 answers every probe above the family's minimum
// with a packet too big naming MTU 100 (IPv6) or a frag needed naming 20
// (IPv4), in r1's name, quoting the probe's echo header as an old router
// would (a quote that cannot carry the cookie). gpmtud must take the
// family's minimum, as the kernel does, say so on stderr, and answer.
func TestLabMTUBelowMinimum(t *testing.T) {
	bin := netlab.Binary(t, "gpmtud")
	// 50 ms between r1 and r2: the forgeries beat the true answers, by a
	// margin a loaded machine keeps.
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2, Delay: []time.Duration{0, 50 * time.Millisecond}, NoICMPRateLimit: true})
	for _, tc := range []struct {
		name         string
		v6           bool
		named, floor int
	}{{"IPv4", false, 20, 68}, {"IPv6", true, 100, 1280}} {
		t.Run(tc.name, func(t *testing.T) {
			dst, r1, typ, code, ipHeader := c.H2Addr4(), c.RouterAddr4(1), uint8(3), uint8(4), 20
			var rest [4]byte
			binary.BigEndian.PutUint16(rest[2:], uint16(tc.named))
			if tc.v6 {
				dst, r1, typ, code, ipHeader = c.H2Addr6(), c.RouterAddr6(1), 2, 0, 40
				binary.BigEndian.PutUint32(rest[:], uint32(tc.named))
			}
			router := netip.MustParseAddr(r1)
			icmpxtest.Listen(t, c.Routers[0], "west", netip.MustParseAddr(dst), func(s *icmpxtest.Spoofer, p icmpxtest.Probe) {
				if ipHeader+8+p.Len > tc.floor {
					if err := s.Send(p, p.Error(router, typ, code, rest, p.Seq, nil)); err != nil {
						t.Error(err)
					}
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := c.H1.Command(ctx, bin, "-I", dst)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			want := regexp.MustCompile(`(?m)^pmtu ` + itoa(tc.floor) + ` \(icmp\) to ` + regexp.QuoteMeta(dst) + `: `)
			note := regexp.MustCompile(`^gpmtud: note: ` + regexp.QuoteMeta(r1) + ` named MTU ` + itoa(tc.named) + `, below the protocol's minimum: taken as ` + itoa(tc.floor) + `\n`)
			if err != nil || !want.Match(out) || !note.MatchString(stderr.String()) {
				t.Errorf("%v\n--- stdout:\n%s--- stderr:\n%s", err, out, stderr.String())
			}
		})
	}
}
