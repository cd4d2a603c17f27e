package gtraceroute

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabLive runs gtraceroute --live through three routers in a
// pseudo-terminal: the table shows every hop's address; each way to end
// it (q, Ctrl-C, SIGTERM, -c's count) ends with status 0, the --report table with a
// line per hop, and the terminal back on its main screen.
func TestLabLive(t *testing.T) {
	c := quietChain(t, nil)
	hops := []string{c.RouterAddr4(1), c.RouterAddr4(2), c.RouterAddr4(3), c.H2Addr4()}
	for _, tc := range []struct {
		name string
		args []string
		end  func(p *netlab.Pty) error
	}{
		{"q", nil, func(p *netlab.Pty) error { return p.Send("q") }},
		{"ctrl-c", nil, func(p *netlab.Pty) error { return p.Send("\x03") }},
		{"sigterm", nil, func(p *netlab.Pty) error { return p.Signal(syscall.SIGTERM) }},
		{"count", []string{"-c", "3"}, func(*netlab.Pty) error { return nil }}, // mtr -c: ends by itself
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"--live", "-n"}, tc.args...), c.H2Addr4())
			p, err := c.H1.StartPty(context.Background(), 100, 30, nil, netlab.Binary(t, "gtraceroute"), args...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.WaitScreen(10*time.Second, append([]string{"gtraceroute --live to", "Loss%", "  4. "}, hops...)...); err != nil {
				t.Fatal(err)
			}
			if err := p.WaitScreen(10*time.Second, "2 cycles"); err != nil {
				t.Fatal(err)
			}
			if err := tc.end(p); err != nil {
				t.Fatal(err)
			}
			code, err := p.Wait(10 * time.Second)
			if err != nil || code != 0 {
				t.Fatalf("exit status %d, %v; want 0", code, err)
			}
			screen, last, restored := p.Screen()
			if !restored || !bytes.Contains(p.Output(), []byte("\x1b[?1049l")) {
				t.Errorf("the alternate screen was not left:\n%q", p.Output())
			}
			t.Logf("last frame:\n%s", last)
			if !strings.Contains(screen, "HOST: ") || !strings.Contains(screen, "Loss%   Snt   Last") {
				t.Errorf("no report after quitting:\n%s", screen)
			}
			for i, h := range hops {
				if !strings.Contains(screen, fmt.Sprintf("%3d.|-- %-25s", i+1, h)) {
					t.Errorf("report: no line for hop %d (%s):\n%s", i+1, h, screen)
				}
			}
		})
	}
}
