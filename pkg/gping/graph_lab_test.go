package gping

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabGraph runs gping --graph on three hosts in a pseudo-terminal: the
// chart's legend names every host, q ends it with status 0, ping's summary
// for every host follows, and the terminal is back on its main screen.
func TestLabGraph(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, NoICMPRateLimit: true})
	hosts := []string{c.H2Addr4(), c.H2Addr6(), c.RouterAddr4(2)}
	args := append([]string{"--graph", "-i", "0.2"}, hosts...)
	p, err := c.H1.StartPty(context.Background(), 100, 30, nil, netlab.Binary(t, "gping"), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.WaitScreen(10*time.Second, append([]string{"gping --graph: 3 host(s)", "0.0%"}, hosts...)...); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // some points on the chart
	if err := p.Send("q"); err != nil {
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
	if n := strings.Count(screen, " 0% packet loss"); n != len(hosts) {
		t.Errorf("%d summaries without loss, want %d:\n%s", n, len(hosts), screen)
	}
}
