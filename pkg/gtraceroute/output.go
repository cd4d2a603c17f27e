package gtraceroute

import (
	"io"
	"time"

	"gnetutils/pkg/cli"
)

// printer is gtraceroute's one way out, chosen once by newPrinter:
// traceroute's and mtr's text (textPrinter) or NDJSON events
// (ndjsonPrinter). What one form has and the other lacks (traceroute's
// header line, the JSON summary) is a method the other leaves empty.
type printer interface {
	// header is traceroute's first line.
	header(maxTTL, size int)
	// hop is one resolved hop of a trace.
	hop(h hop)
	// summary ends a trace that reached its end hop (0: never reached).
	summary(end, hops, probes int, elapsed time.Duration)
	// report is --report's result: the hops from TTL first, the
	// destination at TTL end (0: not reached), cycles begun at start.
	report(start time.Time, first, end int, hops []*hopStats)
}

// newPrinter is the printer c asks for, writing to w.
func newPrinter(w io.Writer, c config) printer {
	if c.json {
		return &ndjsonPrinter{js: cli.NewNDJSON(w), host: c.host, addr: c.addr, as: c.as}
	}
	return &textPrinter{w: cli.NewLines(w), host: c.host, addr: c.addr, numeric: c.numeric, ext: c.ext, back: c.back, as: c.as}
}
