package gdig

import (
	"io"

	"gnetutils/pkg/tui"
)

// progressPrinter is a batch's printer with a progress line on stderr
// (done/total, rate, ETA) when stderr is a terminal: the line is cleared
// before each result is printed and drawn again after it, so results and
// the line never share a row.
type progressPrinter struct {
	printer
	bar *tui.Progress
}

// withProgress wraps p for a batch of total lines; end clears the line.
// Without a terminal on stderr p comes back as it was.
func withProgress(p printer, stderr io.Writer, total int) (_ printer, end func()) {
	bar := tui.NewProgress(stderr, "gdig", total)
	if bar == nil {
		return p, func() {}
	}
	return progressPrinter{p, bar}, bar.Clear
}

func (p progressPrinter) answer(r reply) {
	p.bar.Clear()
	p.printer.answer(r)
	p.bar.Add(1)
}

func (p progressPrinter) batchFailed(q query, err error) {
	p.bar.Clear()
	p.printer.batchFailed(q, err)
	p.bar.Add(1)
}
