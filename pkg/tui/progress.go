package tui

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress is a one-line indicator of long work on a terminal: done/total,
// the rate and the time left, redrawn in place at most ten times a second.
// NewProgress gives nil when w is not a terminal, and every method of a nil
// Progress does nothing: pipelines and logs stay clean.
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	total  int
	done   int
	start  time.Time
	drawn  time.Time
	now    func() time.Time
	showed bool
}

// NewProgress is an indicator of total steps on w, labelled (the tool's
// name), or nil when w is not a terminal.
func NewProgress(w io.Writer, label string, total int) *Progress {
	if !IsTerminal(w) {
		return nil
	}
	return newProgress(w, label, total, time.Now)
}

func newProgress(w io.Writer, label string, total int, now func() time.Time) *Progress {
	return &Progress{w: w, label: label, total: total, start: now(), now: now}
}

// Add counts n more steps done, and draws the line if it was cleared
// (Add(0) just draws it again).
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := p.now()
	if p.showed && now.Sub(p.drawn) < RedrawEvery && p.done < p.total {
		return
	}
	p.drawn = now
	p.showed = true
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(now))
}

// Clear erases the line, before the tool's own output or at the end.
func (p *Progress) Clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.showed {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.showed = false
	}
}

// line is "gdig: 120/500 24%  48.0/s  ETA 0:08".
func (p *Progress) line(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	s := fmt.Sprintf("%s: %d/%d", p.label, p.done, p.total)
	if p.total > 0 {
		s += fmt.Sprintf(" %d%%", p.done*100/p.total)
	}
	if el <= 0 || p.done == 0 {
		return s
	}
	rate := float64(p.done) / el
	if rate >= 100 {
		s += fmt.Sprintf("  %.0f/s", rate)
	} else {
		s += fmt.Sprintf("  %.1f/s", rate)
	}
	if left := p.total - p.done; left > 0 {
		eta := time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second)
		s += fmt.Sprintf("  ETA %d:%02d", int(eta.Minutes()), int(eta.Seconds())%60)
	}
	return s
}
