package gping

import (
	"io"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

// printer is gping's one way out: ping's text (textPrinter, format.go) or
// NDJSON (jsonPrinter, events.go), chosen once in Run. The runner tells it
// what happened; what each prints of it, and where, is its own business.
type printer interface {
	header(t *target)                              // before the first probe
	sent(t *target)                                // a probe left
	unanswered(t *target, at time.Time)            // -O: t.seq is still unanswered as the next leaves
	reply(t *target, ev *icmpx.Event)              // an echo reply (counted already)
	icmpError(t *target, ev *icmpx.Event)          // an ICMP error about a probe
	localError(t *target, err error)               // the kernel refused or bounced a probe
	timeout(t *target, seq uint16, sent time.Time) // a probe declared lost
	summary(t *target)                             // the end
	// reportsTimeouts says whether lost probes are declared as they
	// expire (-W); they then leave the pending set.
	reportsTimeouts() bool
}

// newPrinter is the printer the flags ask for.
func newPrinter(o *options, cfg *runConfig, stdout, stderr io.Writer) printer {
	if o.common.JSON {
		return &jsonPrinter{js: cli.NewNDJSON(stdout)}
	}
	return &textPrinter{out: cli.NewLines(stdout), stderr: stderr, cfg: cfg,
		quiet: o.quiet, flood: o.flood, audible: o.audible, timestamps: o.timestamps, outstanding: o.outstanding, verbose: o.verbose}
}
