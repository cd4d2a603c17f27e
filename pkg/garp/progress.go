package garp

import (
	"net/netip"
	"time"

	"gnetutils/pkg/tui"
)

// progressPrinter is --scan's printer with a progress line on stderr
// (requests sent of the sweep, rate, ETA) when stderr is a terminal: the
// line is cleared before each host and the summary are printed, and
// drawn again after.
type progressPrinter struct {
	printer
	bar *tui.Progress
}

// progress starts the sweep's line for total addresses and has the
// session print through it; without a terminal on stderr it is nil, and
// does nothing.
func (s *session) progress(total int) *tui.Progress {
	bar := tui.NewProgress(s.stderr, "garp --scan", total)
	if bar != nil {
		s.p = progressPrinter{s.p, bar}
	}
	return bar
}

func (p progressPrinter) host(addr netip.Addr, mac string, macs int, at time.Time) {
	p.bar.Clear()
	p.printer.host(addr, mac, macs, at)
	p.bar.Add(0)
}

func (p progressPrinter) scanSummary(prefix netip.Prefix, hosts, responded, requests int, elapsed time.Duration, ifname string) {
	p.bar.Clear()
	p.printer.scanSummary(prefix, hosts, responded, requests, elapsed, ifname)
}
