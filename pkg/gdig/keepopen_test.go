package gdig

import (
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// countingListener counts the TCP connections a test server accepted.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// serveTCP answers over TCP on loopback (answerLocally), counting the
// connections.
func serveTCP(t *testing.T) (addr, port string, conns *countingListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = &countingListener{Listener: ln}
	srv := &dns.Server{Listener: conns, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) { _ = w.WriteMsg(answerLocally(q)) })}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	addr, port, _ = net.SplitHostPort(ln.Addr().String())
	return addr, port, conns
}

// TestKeepOpen: with +tcp, dig opens a connection per lookup; with
// +keepopen, one for all the lookups of the command line. gdig opens as
// many as dig on the same server, and prints the same answers.
func TestKeepOpen(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("no dig to compare with (apt-get install bind9-dnsutils)")
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"tcp", []string{"+tcp"}},
		{"keepopen", []string{"+tcp", "+keepopen"}},
		{"keepopen per lookup", []string{"+tcp", "www.example.lab", "+keepopen", "www.example.lab", "www.example.lab"}},
		{"nokeepopen", []string{"+tcp", "+keepopen", "+nokeepopen"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			count := func(run func(args []string) string) (int32, string) {
				addr, port, conns := serveTCP(t)
				args := append([]string{"@" + addr, "-p", port, "+nocookie", "+noall", "+answer"}, c.args...)
				if !strings.Contains(strings.Join(c.args, " "), "www") {
					args = append(args, "www.example.lab", "www.example.lab", "www.example.lab")
				}
				out := run(args)
				return conns.accepted.Load(), out
			}
			digConns, digOut := count(func(args []string) string {
				out, err := exec.Command(dig, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("dig: %v: %s", err, out)
				}
				return string(out)
			})
			ours, out := count(func(args []string) string {
				out, errOut, code := runGdig(args...)
				if code != 0 {
					t.Fatalf("gdig: exit %d: %s", code, errOut)
				}
				return out
			})
			if ours != digConns || out != digOut {
				t.Errorf("gdig opened %d connections, dig %d\n--- gdig:\n%s--- dig:\n%s", ours, digConns, out, digOut)
			}
			t.Logf("%d connections", ours)
		})
	}
}
