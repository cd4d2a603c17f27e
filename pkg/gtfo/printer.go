package gtfo

import (
	"io"

	"gnetutils/pkg/cli"
)

// printer writes what gtfo's commands report: lines for people (text.go),
// or NDJSON events with --json. Each command picks one with newPrinter and
// prints only through it; warnings and refusals go to stderr apart.
type printer interface {
	// gtfo get
	getStart(addr, mode string, count int)
	getReply(ev getReply)
	getError(ev getError)
	getSummary(ev getSummary)
	// gtfo compare: every case, then the summary
	compared(rounds, size int, results []*caseResult, sum compareSummary)
	// gtfo serve
	listening(ev listenEvent)
	conn(ev connReport)
	served(ev serveSummary)
}

// newPrinter is the NDJSON printer with --json, else the text one, which
// words get's failed connections on stderr.
func newPrinter(json bool, stdout, stderr io.Writer) printer {
	if json {
		return jsonPrinter{cli.NewNDJSON(stdout)}
	}
	return textPrinter{lines: cli.NewLines(stdout), stderr: stderr}
}

type jsonPrinter struct{ js *cli.NDJSON }

func (jsonPrinter) getStart(string, string, int) {}

func (p jsonPrinter) getReply(ev getReply)     { _ = p.js.Emit(ev) }
func (p jsonPrinter) getError(ev getError)     { _ = p.js.Emit(ev) }
func (p jsonPrinter) getSummary(ev getSummary) { _ = p.js.Emit(ev) }
func (p jsonPrinter) listening(ev listenEvent) { _ = p.js.Emit(ev) }
func (p jsonPrinter) conn(ev connReport)       { _ = p.js.Emit(ev) }
func (p jsonPrinter) served(ev serveSummary)   { _ = p.js.Emit(ev) }

func (p jsonPrinter) compared(_, _ int, results []*caseResult, sum compareSummary) {
	for _, r := range results {
		_ = p.js.Emit(r)
	}
	_ = p.js.Emit(sum)
}
