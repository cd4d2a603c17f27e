package gping

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabGraph runs gping --graph on three hosts in a pseudo-terminal: the
// chart's legend names every host; a resize below 80x24 says what it needs
// and one back redraws; each way to end it (q, Ctrl-C, SIGTERM, -c) ends
// with status 0, ping's summary for every host, and the terminal back on
// its main screen.
func TestLabGraph(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, NoICMPRateLimit: true})
	hosts := []string{c.H2Addr4(), c.H2Addr6(), c.RouterAddr4(2)}
	for _, tc := range []struct {
		name  string
		args  []string
		end   func(p *netlab.Pty) error
		check bool // resize on the way
	}{
		{"q", nil, func(p *netlab.Pty) error { return p.Send("q") }, true},
		{"ctrl-c", nil, func(p *netlab.Pty) error { return p.Send("\x03") }, false},
		{"sigterm", nil, func(p *netlab.Pty) error { return p.Signal(syscall.SIGTERM) }, false},
		{"count", []string{"-c", "8"}, func(*netlab.Pty) error { return nil }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"--graph", "-i", "0.2"}, tc.args...), hosts...)
			p, err := c.H1.StartPty(context.Background(), 100, 30, nil, netlab.Binary(t, "gping"), args...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.WaitScreen(10*time.Second, append([]string{"gping --graph: 3 hosts", "0.0%"}, hosts...)...); err != nil {
				t.Fatal(err)
			}
			if tc.check {
				resize(t, p)
			}
			time.Sleep(time.Second) // some points on the chart
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
			for _, h := range hosts {
				if !strings.Contains(screen, "--- "+h+" ping statistics ---") {
					t.Errorf("no summary for %s after quitting:\n%s", h, screen)
				}
			}
			// A probe in flight as the run ends counts as lost, as ping's
			// own summary counts it: the figures are not checked.
			if n := strings.Count(screen, "\nrtt min/avg/max/mdev = "); n != len(hosts) {
				t.Errorf("%d rtt lines, want %d:\n%s", n, len(hosts), screen)
			}
		})
	}
}

// resize shrinks the terminal below 80x24 and back.
func resize(t *testing.T, p *netlab.Pty) {
	t.Helper()
	if err := p.Resize(70, 20); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitScreen(5*time.Second, "needs a terminal of at least 80x24", "this one is 70x20"); err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(90, 26); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitScreen(5*time.Second, "gping --graph: 3 hosts", "jitter"); err != nil {
		t.Fatal(err)
	}
}
