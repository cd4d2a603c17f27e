package gping

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gdamore/tcell/v2"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/stats"
	"gnetutils/pkg/tui"
)

// graphPrinter is --graph: a full-screen chart of round-trip time against
// time, a line per host, fed the printer's events like the other two. It
// prints nothing while the chart is up; when the run ends (q, Ctrl-C, -c,
// -w) it gives the terminal back and prints ping's summary per host
// through the text printer.
type graphPrinter struct {
	text   printer
	g      *graph
	app    *tui.App
	quit   context.CancelFunc
	stderr io.Writer
	failed bool // the screen would not start
	series map[*target]int
}

// newGraph wraps text (which prints the summaries) in a graph; the run
// ends when the returned context does (q, Ctrl-C).
func newGraph(ctx context.Context, text printer, interval time.Duration, stderr io.Writer) (context.Context, *graphPrinter) {
	ctx, cancel := context.WithCancel(ctx)
	return ctx, &graphPrinter{text: text, g: newGraphModel(interval), quit: cancel, stderr: stderr, series: map[*target]int{}}
}

// update changes the model: under the screen's lock once it is up.
func (p *graphPrinter) update(f func()) {
	if p.app == nil {
		f()
		return
	}
	p.app.Update(f)
}

// open takes the terminal at the first probe, after anything the run may
// refuse on stderr.
func (p *graphPrinter) open() {
	if p.app != nil || p.failed {
		return
	}
	app, err := tui.Open("gping --graph", p.g, p.quit)
	if err != nil {
		p.failed = true
		cli.Errorf(p.stderr, command.Name, "--graph: %v", err)
		p.quit()
		return
	}
	p.app = app
}

// close gives the terminal back; deferred by Run, so a panic restores it too.
func (p *graphPrinter) close() {
	if p.app != nil {
		p.app.Close()
	}
}

func (p *graphPrinter) header(t *target) {
	p.series[t] = len(p.g.hosts)
	p.g.add(t.name)
}

func (p *graphPrinter) sent(t *target) {
	p.open()
	at := t.lastTx
	p.update(func() { p.g.sent(at) })
}

func (p *graphPrinter) unanswered(*target, time.Time) {}

func (p *graphPrinter) reply(t *target, ev *icmpx.Event) {
	if ev.Dup {
		return
	}
	sent, rtt := ev.Sent, ev.RTT
	p.update(func() { p.g.reply(p.series[t], sent, rtt) })
}

func (p *graphPrinter) icmpError(t *target, ev *icmpx.Event) {
	at := ev.Sent
	if at.IsZero() {
		at = ev.At
	}
	p.update(func() { p.g.mark(p.series[t], at, markError) })
}

// localError is marked, not counted: its probe stays pending and is
// counted lost when -W expires it.
func (p *graphPrinter) localError(t *target, _ error) {
	at := time.Now()
	p.update(func() { p.g.mark(p.series[t], at, markLocal) })
}

func (p *graphPrinter) timeout(t *target, _ uint16, sent time.Time) {
	p.update(func() { p.g.mark(p.series[t], sent, markLost) })
}

// summary ends the chart (at the first host's) and prints ping's summary.
func (p *graphPrinter) summary(t *target) {
	p.close()
	p.text.summary(t)
}

// reportsTimeouts: lost probes are marked on the time axis as -W expires
// them.
func (p *graphPrinter) reportsTimeouts() bool { return true }

// graph is the chart's model: every host's points and marks, the legend's
// figures since the last reset.
type graph struct {
	hosts    []*graphHost
	interval time.Duration // a slot of the time axis: half a cell
	start    time.Time     // slot 0
	latest   int           // the newest slot: the right edge
	paused   bool
	held     []func() // what came while paused, applied on resume
}

type graphHost struct {
	name   string
	points []graphPoint
	marks  []graphPoint // lost (err false) and ICMP errors
	// The legend's figures, since the start or the last r. Loss is of
	// the probes settled (answered, expired by -W, or answered by an
	// ICMP error), so a probe still in flight never shows as lost.
	received, failed int
	last             time.Duration
	rtt              stats.RTT
	jitterSum        time.Duration // |rtt - previous rtt|, summed
	jitterN          int
}

type graphPoint struct {
	slot int
	rtt  time.Duration
	mark markKind
}

// markKind is what a mark on the time axis says.
type markKind int

const (
	markLost  markKind = iota // x: no reply within -W
	markError                 // !: an ICMP error
	markLocal                 // !: the kernel refused the probe
)

// keepPoints bounds what each host keeps: more than any screen shows.
const keepPoints = 4096

func newGraphModel(interval time.Duration) *graph {
	if interval <= 0 {
		interval = 10 * time.Millisecond
	}
	return &graph{interval: interval}
}

// add is a new host, named as its reply lines name it.
func (g *graph) add(name string) {
	g.hosts = append(g.hosts, &graphHost{name: name})
}

// maxHeld bounds what a pause holds back (a flood paused for long): past
// it the oldest is applied.
const maxHeld = 1 << 16

// hold applies f now, or on resume while paused.
func (g *graph) hold(f func()) {
	if !g.paused {
		f()
		return
	}
	if len(g.held) >= maxHeld {
		g.held[0]()
		g.held = g.held[1:]
	}
	g.held = append(g.held, f)
}

func (g *graph) slot(at time.Time) int {
	if g.start.IsZero() {
		g.start = at
	}
	return int(at.Sub(g.start) / g.interval)
}

func (g *graph) sent(at time.Time) {
	g.hold(func() {
		g.latest = max(g.latest, g.slot(at))
	})
}

func (g *graph) reply(i int, sent time.Time, rtt time.Duration) {
	g.hold(func() {
		h := g.hosts[i]
		h.received++
		if h.rtt.Count() > 0 {
			h.jitterSum += (rtt - h.last).Abs()
			h.jitterN++
		}
		h.last = rtt
		h.rtt.Add(rtt)
		h.points = appendKept(h.points, graphPoint{slot: g.slot(sent), rtt: rtt})
	})
}

func (g *graph) mark(i int, at time.Time, kind markKind) {
	g.hold(func() {
		h := g.hosts[i]
		if kind != markLocal {
			h.failed++
		}
		h.marks = appendKept(h.marks, graphPoint{slot: g.slot(at), mark: kind})
	})
}

func appendKept(ps []graphPoint, p graphPoint) []graphPoint {
	if len(ps) >= keepPoints {
		ps = append(ps[:0], ps[len(ps)-keepPoints/2:]...)
	}
	return append(ps, p)
}

// Key: p pauses (the chart holds still, probes go on and are counted), r
// resets the legend's figures.
func (g *graph) Key(r rune) {
	switch r {
	case 'p', 'P', ' ':
		g.paused = !g.paused
		if !g.paused {
			held := g.held
			g.held = nil
			for _, f := range held {
				f()
			}
		}
	case 'r', 'R':
		for _, h := range g.hosts {
			h.received, h.failed, h.last, h.rtt, h.jitterSum, h.jitterN = 0, 0, 0, stats.RTT{}, 0, 0
		}
	}
}

// The frame: a title row, the chart with its y axis at the left, the time
// axis with its marks, its labels, the legend's header and a row per host.
const yAxisWidth = 11

func (g *graph) Draw(s tcell.Screen, w, h int) {
	hosts := "1 host"
	if len(g.hosts) != 1 {
		hosts = fmt.Sprintf("%d hosts", len(g.hosts))
	}
	title := fmt.Sprintf("gping --graph: %s, every %s, RTT in ms", hosts, g.interval)
	if g.paused {
		title = "PAUSED  " + title
	}
	tui.Put(s, 0, 0, tui.Fit(title, w-26), tui.Bold)
	tui.Put(s, w-25, 0, "q quit  p pause  r reset", tui.Plain)
	rows := max(h-5-len(g.hosts), 3)
	cols := w - yAxisWidth
	first := g.latest - 2*cols + 1 // the oldest slot on screen
	top := g.scale(first)
	g.drawYAxis(s, rows, top)
	g.drawLines(s, rows, cols, first, top)
	g.drawTimeAxis(s, rows, cols, first)
	g.drawLegend(s, rows+3, w)
}

// scale is the top of the y axis: a round figure above the highest
// round-trip time on screen.
func (g *graph) scale(first int) float64 {
	var hi float64
	for _, h := range g.hosts {
		for _, p := range h.points {
			if p.slot >= first {
				hi = math.Max(hi, ms(p.rtt))
			}
		}
	}
	return niceCeil(hi)
}

// niceCeil is the first round figure (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8
// times a power of ten) at or above v.
func niceCeil(v float64) float64 {
	if v <= 0.1 {
		return 0.1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (g *graph) drawYAxis(s tcell.Screen, rows int, top float64) {
	// Row r's top dot is top * (ymax-4r)/ymax; the bottom row's lowest, 0.
	ymax := float64(4*rows - 1)
	for r := 0; r < rows; r++ {
		label := ""
		switch {
		case r == rows-1:
			label = "0"
		case r%4 == 0 && r < rows-2:
			label = fmtMS(top * (ymax - float64(4*r)) / ymax)
		}
		tui.Put(s, 0, 1+r, fmt.Sprintf("%9s ┤", label), tui.Plain)
	}
}

// drawLines draws a braille line per host in its colour; with NO_COLOR,
// where lines could not be told apart, each host's points in its glyph.
func (g *graph) drawLines(s tcell.Screen, rows, cols, first int, top float64) {
	d := tui.NewDots(cols, rows)
	ymax := 4*rows - 1
	for i, h := range g.hosts {
		if tui.NoColor {
			for _, p := range h.points {
				if p.slot >= first {
					y := ymax - int(math.Round(ms(p.rtt)/top*float64(ymax)))
					s.SetContent(yAxisWidth+(p.slot-first)/2, 1+y/4, tui.Glyph(i), nil, tui.Plain)
				}
			}
			continue
		}
		px, py := -1, 0
		for _, p := range h.points {
			if p.slot < first {
				continue
			}
			x := p.slot - first
			y := ymax - int(math.Round(ms(p.rtt)/top*float64(ymax)))
			if px >= 0 && x-px <= 2 {
				d.Line(px, py, x, y, i)
			} else {
				d.Set(x, y, i)
			}
			px, py = x, y
		}
	}
	d.Draw(s, yAxisWidth, 1, tui.Series)
}

func (g *graph) drawTimeAxis(s tcell.Screen, rows, cols, first int) {
	y := 1 + rows
	tui.Put(s, 0, y, fmt.Sprintf("%9s └", ""), tui.Plain)
	for x := 0; x < cols; x++ {
		s.SetContent(yAxisWidth+x, y, '─', nil, tui.Plain)
	}
	for i, h := range g.hosts {
		for _, m := range h.marks {
			if m.slot < first {
				continue
			}
			r := 'x'
			if m.mark != markLost {
				r = '!'
			}
			s.SetContent(yAxisWidth+(m.slot-first)/2, y, r, nil, tui.Series(i).Bold(true))
		}
	}
	span := time.Duration(2*cols) * g.interval
	tui.Put(s, yAxisWidth, y+1, fmt.Sprintf("-%s", span.Round(time.Second)), tui.Plain)
	tui.Put(s, yAxisWidth+cols-3, y+1, "now", tui.Plain)
}

func (g *graph) drawLegend(s tcell.Screen, y, w int) {
	tui.Put(s, 0, y, fmt.Sprintf("   %-27s%7s%7s%7s%7s%7s%7s%7s", "host", "last", "min", "avg", "max", "p95", "jitter", "loss"), tui.Bold)
	for i, h := range g.hosts {
		y++
		if tui.NoColor {
			tui.Put(s, 0, y, string(tui.Glyph(i)), tui.Plain)
		} else {
			tui.Put(s, 0, y, "━━", tui.Series(i))
		}
		line := fmt.Sprintf("%-27s", tui.Fit(h.name, 26))
		if h.rtt.Count() > 0 {
			jitter := 0.0
			if h.jitterN > 0 {
				jitter = ms(h.jitterSum) / float64(h.jitterN)
			}
			for _, v := range []float64{ms(h.last), ms(h.rtt.Min()), ms(meanRTT(&h.rtt)), ms(h.rtt.Max()), ms(h.rtt.Percentile(95)), jitter} {
				line += fmt.Sprintf("%7s", fmtMS(v))
			}
		} else {
			line += fmt.Sprintf("%7s%7s%7s%7s%7s%7s", "-", "-", "-", "-", "-", "-")
		}
		line += fmt.Sprintf("%6.1f%%", lossOf(h.received, h.failed))
		tui.Put(s, 3, y, tui.Fit(line, w-3), tui.Plain)
	}
}

// meanRTT is the exact mean (stats.RTT's Avg is ping's, in whole µs).
func meanRTT(r *stats.RTT) time.Duration {
	var sum time.Duration
	for _, d := range r.Samples() {
		sum += d
	}
	return sum / time.Duration(len(r.Samples()))
}

func lossOf(received, failed int) float64 {
	if received+failed == 0 {
		return 0
	}
	return float64(failed) * 100 / float64(received+failed)
}

// fmtMS gives a figure in ms three significant digits or so.
func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// graphRefusal is why --graph cannot run with these outputs, or nil.
func graphRefusal(o *options, stdout io.Writer) error {
	switch {
	case !o.graph:
		return nil
	case o.common.JSON:
		return fmt.Errorf("--graph and --json exclude each other")
	case !tui.IsTerminal(stdout):
		return fmt.Errorf("--graph %v", tui.ErrNotTerminal)
	}
	return nil
}
