package gdig

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli/clitest"
)

// badCookieServer answers on loopback: BADCOOKIE (RFC 7873) with its
// own cookie to a query that holds only a client cookie, the answer to
// one that brings the server cookie back.
func badCookieServer(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(q)
		r.SetEdns0(1232, false)
		client := ""
		if opt := q.IsEdns0(); opt != nil {
			for _, e := range opt.Option {
				if c, ok := e.(*dns.EDNS0_COOKIE); ok {
					client = c.Cookie
				}
			}
		}
		if len(client) >= 16 {
			r.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: client[:16] + "0102030405060708"}}
		}
		if len(client) == 16 {
			r.Rcode = dns.RcodeBadCookie
		} else {
			rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 192.0.2.1")
			r.Answer = append(r.Answer, rr)
		}
		_ = w.WriteMsg(r)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort().String()
}

// TestBadCookie: a BADCOOKIE answer is asked again with the server's
// cookie, as dig asks it (dig beside gdig, on loopback), unless
// +nobadcookie; +showbadcookie prints it first. The sizes are those of
// the messages as they came (miekg/dns's server does not compress).
func TestBadCookie(t *testing.T) {
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig (Debian package bind9-dnsutils) not installed")
	}
	t.Setenv("HOME", t.TempDir())
	host, port, _ := net.SplitHostPort(badCookieServer(t))
	hide := clitest.Normalize(`; COOKIE: [0-9a-f]+`, "; COOKIE: C")
	for _, extra := range [][]string{nil, {"+nobadcookie"}, {"+showbadcookie"}, {"+showbadcookie", "+nocomments"}} {
		args := append([]string{"@" + host, "-p", port, "x.lab"}, extra...)
		t.Run(strings.Join(append([]string{"x.lab"}, extra...), " "), func(t *testing.T) {
			want, _ := exec.Command("dig", args...).CombinedOutput()
			var got, errOut strings.Builder
			Run(context.Background(), args, nil, &got, &errOut)
			if hide(normalize(got.String())) != hide(normalize(string(want))) {
				t.Errorf("%s\n--- gdig:\n%s--- dig:\n%s", errOut.String(), got.String(), want)
			}
		})
	}
}
