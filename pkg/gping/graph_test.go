package gping

import (
	"math"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/tui"
)

// scriptedGraph is three hosts pinged every second for a minute: a steady
// one, one that climbs and loses every seventh probe, one whose router
// answers an error now and then.
func scriptedGraph() *graph {
	g := newGraphModel(time.Second)
	g.add("198.18.4.2")
	g.add("lab-h2 (198.18.4.2)")
	g.add("fd00:0:0:4::2")
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for n := 0; n < 60; n++ {
		at := start.Add(time.Duration(n) * time.Second)
		g.sent(at)
		g.reply(0, at, 2*time.Millisecond+time.Duration(n%3)*100*time.Microsecond)
		if n%7 == 6 {
			g.mark(1, at, markLost)
		} else {
			g.reply(1, at, time.Duration(5+10*math.Sin(float64(n)/6)+10)*time.Millisecond)
		}
		if n%11 == 10 {
			g.mark(2, at, markError)
		} else {
			g.reply(2, at, time.Duration(12+n/10)*time.Millisecond)
		}
	}
	return g
}

func TestGraphFrames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		w, h    int
		keys    string
		noColor bool
	}{
		{"graph-80x24", 80, 24, "", false},
		{"graph-120x30", 120, 30, "", false},
		{"graph-paused", 80, 24, "p", false},
		{"graph-reset", 80, 24, "r", false},
		{"graph-small", 60, 20, "", false},
		{"graph-nocolor", 80, 24, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(old bool) { tui.NoColor = old }(tui.NoColor)
			tui.NoColor = tc.noColor
			g := scriptedGraph()
			for _, k := range tc.keys {
				g.Key(k)
			}
			clitest.Golden(t, tc.name+".golden", tui.Snapshot("gping --graph", g, tc.w, tc.h))
		})
	}
}

// TestGraphPauseHolds: while paused the chart holds still; what came in
// the meantime is drawn on resume.
func TestGraphPauseHolds(t *testing.T) {
	g := scriptedGraph()
	before := tui.Snapshot("gping --graph", g, 80, 24)
	g.Key('p')
	at := time.Date(2026, 12, 2, 12, 1, 0, 0, time.UTC)
	g.sent(at)
	g.reply(0, at, 40*time.Millisecond)
	paused := tui.Snapshot("gping --graph", g, 80, 24)
	_, pausedChart, _ := strings.Cut(paused, "\n")
	_, beforeChart, _ := strings.Cut(before, "\n")
	if !strings.HasPrefix(paused, "PAUSED") || pausedChart != beforeChart {
		t.Errorf("paused frame changed:\n%s", paused)
	}
	g.Key('p')
	if after := tui.Snapshot("gping --graph", g, 80, 24); !strings.Contains(after, "40.0") {
		t.Errorf("the held reply is not drawn on resume:\n%s", after)
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0, 0.1}, {0.35, 0.4}, {1, 1}, {1.2, 1.5}, {2.1, 2.5}, {3, 3}, {7, 8}, {26, 30}, {110, 150},
	} {
		t.Run("", func(t *testing.T) {
			if got := niceCeil(tc.in); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("niceCeil(%g) = %g, want %g", tc.in, got, tc.want)
			}
		})
	}
}
