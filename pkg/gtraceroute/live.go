package gtraceroute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/tui"
)

// liveView is --live, mtr's default mode: a full-screen table of every hop,
// probed again and again, fed the printer's hop events as the text and
// NDJSON printers are. On quit it gives the terminal back and prints the
// --report table through the text printer.
type liveView struct {
	text   printer
	m      *liveModel
	app    *tui.App
	ctx    context.Context
	quit   context.CancelFunc
	cycles int // -c: end after this many (0: at q)
}

// liveRefusal is why --live cannot run with these flags and outputs, or nil.
func liveRefusal(f *flags, stdout io.Writer) error {
	switch {
	case !f.live:
		return nil
	case f.common.JSON:
		return errors.New("--live and --json exclude each other")
	case f.report:
		return errors.New("--live and --report exclude each other")
	case !tui.IsTerminal(stdout):
		return fmt.Errorf("--live %v", tui.ErrNotTerminal)
	}
	return nil
}

// newLive wraps text (which prints the report at the end); the run ends
// when lv.ctx does (q, Ctrl-C), or after -c cycles when counted (mtr -c).
func newLive(ctx context.Context, text printer, c config, counted bool) *liveView {
	lv := &liveView{text: text, m: newLiveModel(c.host, c.addr, c.trace.first, c.numeric)}
	if counted {
		lv.cycles = c.cycles
	}
	lv.ctx, lv.quit = context.WithCancel(ctx)
	return lv
}

func (lv *liveView) update(f func()) {
	if lv.app == nil {
		f()
		return
	}
	lv.app.Update(f)
}

// close gives the terminal back; Run defers it, so a panic restores it too.
func (lv *liveView) close() {
	if lv.app != nil {
		lv.app.Close()
	}
}

func (lv *liveView) header(int, int)                      {}
func (lv *liveView) summary(int, int, int, time.Duration) {}
func (lv *liveView) hop(h hop)                            { lv.update(func() { lv.m.hop(h) }) }

// report ends the view and prints mtr's report of what it saw.
func (lv *liveView) report(start time.Time, first, end int, _ []*hopStats) {
	lv.close()
	var hops []*hopStats
	lv.update(func() { hops = lv.m.tally() })
	lv.text.report(start, first, end, hops)
}

// runLive probes every hop once a cycle, a second between cycles as mtr,
// until q or Ctrl-C (or -c cycles); p holds the cycles back.
func runLive(ctx context.Context, tc traceConfig, m method, lv *liveView) error {
	app, err := tui.Open("gtraceroute --live", lv.m, lv.quit)
	if err != nil {
		return err
	}
	lv.app = app
	// One probe a hop, and no retries: the next cycle asks again, as
	// mtr's does.
	tc.queries, tc.retry = 1, false
	start := time.Now()
	end, base := 0, 0
	for cycle := 0; lv.waitCycle(ctx, cycle); cycle++ {
		t := newTracer(tc, m)
		t.base = base
		base += len(t.probes)
		last, err := t.run(ctx, lv.hop)
		if err != nil && !errors.Is(err, context.Canceled) {
			lv.close()
			return err
		}
		if last > 0 {
			end, tc.max = last, last
		}
		lv.update(func() { lv.m.endCycle(last) })
	}
	lv.report(start, tc.first, end, nil)
	return nil
}

// waitCycle waits until cycle may start: a second after the one before,
// and while p holds it back. False: the run is over (q, Ctrl-C, -c).
func (lv *liveView) waitCycle(ctx context.Context, cycle int) bool {
	if lv.cycles > 0 && cycle >= lv.cycles {
		return false
	}
	wait := time.Duration(0)
	if cycle > 0 {
		wait = time.Second
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		if !lv.m.paused.Load() {
			return true
		}
		wait = 100 * time.Millisecond
	}
}

// liveModel is the table: every hop's addresses and figures.
type liveModel struct {
	host    string
	addr    netip.Addr
	first   int
	hops    []*liveHop // from TTL first
	end     int        // the destination's TTL, once reached
	cycles  int
	strip   bool // d: the latency strip instead of the statistics
	names   bool // n: host names (off with -n)
	paused  atomic.Bool
	lookups *names
}

// liveHop is one hop's line: every address that answered at its TTL (a
// path change or ECMP shows more than one, as mtr lists them), its figures
// and its recent round trips (lost: -1).
type liveHop struct {
	addrs  []netip.Addr
	stats  hopStats
	recent []time.Duration
}

// keepRecent bounds a hop's strip: wider than any screen.
const keepRecent = 512

func newLiveModel(host string, addr netip.Addr, first int, numeric bool) *liveModel {
	return &liveModel{host: host, addr: addr, first: first, names: !numeric, lookups: &names{m: map[netip.Addr]string{}}}
}

// hop counts a cycle's probe of h (one probe a hop).
func (m *liveModel) hop(h hop) {
	for len(m.hops) < h.ttl-m.first+1 {
		m.hops = append(m.hops, &liveHop{})
	}
	lh := m.hops[h.ttl-m.first]
	pr := h.probes[0]
	lh.stats.sent++
	rtt := time.Duration(-1)
	if pr.done {
		rtt = pr.r.rtt
		lh.stats.received++
		lh.stats.last = rtt
		lh.stats.rtt.Add(rtt)
		if !hasAddr(lh.addrs, pr.r.from) {
			lh.addrs = append(lh.addrs, pr.r.from)
		}
		lh.stats.addr = lh.addrs[0]
	}
	if len(lh.recent) >= keepRecent {
		lh.recent = append(lh.recent[:0], lh.recent[keepRecent/2:]...)
	}
	lh.recent = append(lh.recent, rtt)
}

func hasAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// endCycle notes a cycle done; end is where it reached the destination
// (0: it did not). Hops past it are dropped, as mtr shows none.
func (m *liveModel) endCycle(end int) {
	m.cycles++
	if end > 0 {
		m.end = end
		if n := end - m.first + 1; n < len(m.hops) {
			m.hops = m.hops[:n]
		}
	}
}

// tally is the report's lines.
func (m *liveModel) tally() []*hopStats {
	var hs []*hopStats
	for _, h := range m.hops {
		s := h.stats
		hs = append(hs, &s)
	}
	return hs
}

// Key: p pauses the cycles, r resets the figures, d switches the display,
// n the names.
func (m *liveModel) Key(r rune) {
	switch r {
	case 'p', 'P', ' ':
		m.paused.Store(!m.paused.Load())
	case 'r', 'R':
		m.hops, m.cycles = nil, 0
	case 'd', 'D':
		m.strip = !m.strip
	case 'n', 'N':
		m.names = !m.names
	}
}

// statsWidth is the statistics' columns: mtr's, 80 wide with the hop.
const (
	hostWidth  = 26
	statsWidth = 5 + hostWidth + 49
)

func (m *liveModel) Draw(s tcell.Screen, w, h int) {
	to := m.host
	if m.host != m.addr.String() {
		to = fmt.Sprintf("%s (%s)", m.host, m.addr)
	}
	title := fmt.Sprintf("gtraceroute --live to %s, %d cycles", to, m.cycles)
	if m.paused.Load() {
		title = "PAUSED  " + title
	}
	tui.Put(s, 0, 0, tui.Fit(title, w-17), tui.Bold)
	tui.Put(s, w-15, 0, "keys: q p r d n", tui.Plain)
	strip := w - statsWidth - 2 // the strip beside the statistics
	if m.strip {
		strip = w - 5 - hostWidth - 1
	}
	top := m.stripScale()
	if m.strip {
		tui.Put(s, 0, 2, fmt.Sprintf(" Host%*s Last %d pings (scale 0 .. %s ms, ? lost)", hostWidth, "", strip, fmtScale(top)), tui.Bold)
	} else {
		tui.Put(s, 0, 1, fmt.Sprintf("%*s%-14s%s", 5+hostWidth+2, "", "Packets", "Pings"), tui.Bold)
		tui.Put(s, 0, 2, fmt.Sprintf(" %-*s%6s%6s%7s%6s%6s%6s%6s", 4+hostWidth, "Host", "Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev"), tui.Bold)
	}
	y := 3
	for i, hop := range m.hops {
		if y >= h {
			break
		}
		y = m.drawHop(s, y, h, m.first+i, hop, strip, top)
	}
}

// drawHop draws a hop's line, then its other addresses a line each; it
// returns the next free row.
func (m *liveModel) drawHop(s tcell.Screen, y, h, ttl int, hop *liveHop, strip int, top time.Duration) int {
	who := "???"
	if len(hop.addrs) > 0 {
		who = m.name(hop.addrs[0])
	}
	x := tui.Put(s, 0, y, fmt.Sprintf("%3d. %-*s", ttl, hostWidth, tui.Fit(who, hostWidth)), tui.Plain)
	if !m.strip {
		hs := &hop.stats
		var last, avg, best, worst, sd float64
		if hs.rtt.Count() > 0 {
			last, avg, best, worst, sd = cli.Millis(hs.last), meanMS(&hs.rtt), cli.Millis(hs.rtt.Min()), cli.Millis(hs.rtt.Max()), stdevMS(&hs.rtt)
		}
		st := tui.Plain
		if lossPct(hs) > 0 {
			st = tui.Alert()
		}
		x = tui.Put(s, x, y, fmt.Sprintf("%5.1f%%", lossPct(hs)), st)
		x = tui.Put(s, x, y, fmt.Sprintf("%6d%7.1f%6.1f%6.1f%6.1f%6.1f", hs.sent, last, avg, best, worst, sd), tui.Plain)
		x += 2
	} else {
		x++
	}
	if strip > 0 {
		drawStrip(s, x, y, hop.recent, strip, top)
	}
	for _, a := range hop.addrs[min(1, len(hop.addrs)):] {
		if y++; y >= h {
			return y
		}
		tui.Put(s, 5, y, tui.Fit(m.name(a), hostWidth), tui.Plain)
	}
	return y + 1
}

// drawStrip draws the last n round trips, newest at the right: a block as
// high as the time on a scale of 0..top, ? for a lost probe.
func drawStrip(s tcell.Screen, x, y int, recent []time.Duration, n int, top time.Duration) {
	if len(recent) > n {
		recent = recent[len(recent)-n:]
	}
	for _, d := range recent {
		if d < 0 {
			s.SetContent(x, y, '?', nil, tui.Alert())
		} else {
			s.SetContent(x, y, tui.Block(float64(d), float64(top)), nil, tui.Series(0))
		}
		x++
	}
}

// stripScale is the highest round trip any strip holds: one scale for
// every hop, so hops compare at a glance.
func (m *liveModel) stripScale() time.Duration {
	var top time.Duration
	for _, h := range m.hops {
		for _, d := range h.recent {
			top = max(top, d)
		}
	}
	return top
}

func fmtScale(d time.Duration) string { return fmt.Sprintf("%.1f", cli.Millis(d)) }

// name is the hop's name when names are on and known, its address
// otherwise.
func (m *liveModel) name(a netip.Addr) string {
	if !m.names {
		return cli.Ntop(a)
	}
	return m.lookups.name(a)
}

// names looks addresses up in the background: the table never waits for
// DNS, and shows the address until the name comes.
type names struct {
	mu sync.Mutex
	m  map[netip.Addr]string // "": asked, no answer (yet)
}

func (n *names) name(a netip.Addr) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.m[a]; ok {
		if s == "" {
			return cli.Ntop(a)
		}
		return s
	}
	n.m[a] = ""
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if found, err := net.DefaultResolver.LookupAddr(ctx, a.String()); err == nil && len(found) > 0 {
			n.mu.Lock()
			n.m[a] = trimDot(found[0])
			n.mu.Unlock()
		}
	}()
	return cli.Ntop(a)
}
