package gtraceroute

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/tui"
)

// scriptedLive is twenty cycles over six hops: a steady first hop, a hop
// that answers every other cycle, one that is silent, a hop whose
// answers come from two routers (ECMP), a slow one, and the destination.
func scriptedLive() *liveModel {
	m := newLiveModel("h2.lab", netip.MustParseAddr("198.18.6.2"), 1, true)
	for c := 0; c < 20; c++ {
		m.hop(hop{1, []*probe{answered("198.18.1.1", 100+c%3*10, "")}})
		if c%2 == 0 {
			m.hop(hop{2, []*probe{answered("198.18.2.1", 400+c*20, "")}})
		} else {
			m.hop(hop{2, []*probe{silent()}})
		}
		m.hop(hop{3, []*probe{silent()}})
		ecmp := "198.18.4.1"
		if c%3 == 2 {
			ecmp = "198.18.44.1"
		}
		m.hop(hop{4, []*probe{answered(ecmp, 1200+c*10, "")}})
		m.hop(hop{5, []*probe{answered("198.18.5.1", 20000+(c%5)*3000, "")}})
		m.hop(hop{6, []*probe{answered("198.18.6.2", 21000+(c%4)*1000, "")}})
		m.endCycle(6)
	}
	return m
}

func TestLiveFrames(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys string
	}{
		{"live-80x24", 80, 24, ""},
		{"live-120x30", 120, 30, ""},
		{"live-strip", 80, 24, "d"},
		{"live-paused", 80, 24, "p"},
		{"live-reset", 80, 24, "r"},
		{"live-names", 80, 24, "n"},
		{"live-small", 79, 24, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := scriptedLive()
			m.lookups.m[netip.MustParseAddr("198.18.1.1")] = "r1.lab"
			m.lookups.m[netip.MustParseAddr("198.18.2.1")] = "r2.lab"
			m.lookups.m[netip.MustParseAddr("198.18.4.1")] = "r4a.lab"
			m.lookups.m[netip.MustParseAddr("198.18.44.1")] = "r4b.lab"
			m.lookups.m[netip.MustParseAddr("198.18.5.1")] = "r5.lab"
			m.lookups.m[netip.MustParseAddr("198.18.6.2")] = "h2.lab"
			for _, k := range tc.keys {
				m.Key(k)
			}
			clitest.Golden(t, tc.name+".golden", tui.Snapshot("gtraceroute --live", m, tc.w, tc.h))
		})
	}
}

// TestLiveReport: the report printed on quit is --report's table of what
// the view counted.
func TestLiveReport(t *testing.T) {
	m := scriptedLive()
	var out bytes.Buffer
	p := &textPrinter{w: cli.NewLines(&out), numeric: true}
	p.reportTable(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), "lab", 1, m.tally())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2+6 {
		t.Fatalf("report has %d lines, want 8:\n%s", len(lines), out.String())
	}
	for i, want := range []string{"198.18.1.1", "198.18.2.1", "???", "198.18.4.1", "198.18.5.1", "198.18.6.2"} {
		if !strings.Contains(lines[2+i], want) || !strings.Contains(lines[2+i], " 20 ") {
			t.Errorf("hop %d: %q, want %s and 20 sent", i+1, lines[2+i], want)
		}
	}
	if !strings.Contains(lines[2+1], "50.0%") || !strings.Contains(lines[2+2], "100.0") {
		t.Errorf("losses wrong:\n%s", out.String())
	}
}

// TestLiveWaitCycle: the first cycle starts at once, the next a second
// later; p holds them back until pressed again; -c ends them.
func TestLiveWaitCycle(t *testing.T) {
	lv := &liveView{m: scriptedLive(), cycles: 3}
	ctx := context.Background()
	start := time.Now()
	if !lv.waitCycle(ctx, 0) || time.Since(start) > 100*time.Millisecond {
		t.Errorf("the first cycle waited %v", time.Since(start))
	}
	if lv.waitCycle(ctx, 3) {
		t.Error("a fourth cycle with -c 3")
	}
	lv.m.Key('p')
	go func() {
		time.Sleep(1500 * time.Millisecond)
		lv.m.Key('p')
	}()
	start = time.Now()
	if !lv.waitCycle(ctx, 1) || time.Since(start) < 1500*time.Millisecond {
		t.Errorf("paused, the cycle started after %v", time.Since(start))
	}
	lv.m.Key('p')
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if lv.waitCycle(ctx, 1) {
		t.Error("paused and quit, a cycle started")
	}
}
