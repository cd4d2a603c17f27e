package gpmtud

import (
	"fmt"
	"io"
	"time"

	"gnetutils/pkg/cli"
)

// printer is gpmtud's one way out, chosen once by newPrinter: the text
// (tracepath's lines for --hops) or NDJSON events. What one form has and
// the other lacks (tracepath's first and last lines) is a method the
// other leaves empty.
type printer interface {
	// step is one probed size (with -v; always in NDJSON).
	step(o outcome)
	// check is the answer of -s for a payload of that many bytes.
	check(payload int, o outcome)
	// localhost is --hops' first line, the first size tried.
	localhost(mtu int)
	// hop is one hop of --hops.
	hop(h hopLine)
	// resume is --hops' closing line.
	resume(wr walkResult)
	// summary is the path MTU found; bhHop is the hop a black hole
	// follows (0: none named); reached, whether the target answered.
	summary(r searchResult, bhHop int, reached bool)
	// interrupted is the search cut short by SIGINT: the largest size
	// through so far. Text says it on stderr, with the exit status.
	interrupted(r searchResult)
}

// newPrinter is the printer c asks for, writing to w.
func newPrinter(w io.Writer, c config) printer {
	if c.json {
		return &ndjsonPrinter{js: cli.NewNDJSON(w), host: c.host, addr: c.addr}
	}
	return &textPrinter{lines: cli.NewLines(w), addr: c.addr, both: c.both, lookup: lookupName}
}

// payloads are what an IP MTU leaves for UDP and ICMP payloads and the TCP
// MSS (no options) it implies.
func payloads(mtu int, v6 bool) (udp, icmp, mss int) {
	ip := 20
	if v6 {
		ip = 40
	}
	return mtu - ip - 8, mtu - ip - 8, mtu - ip - 20
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.3f", cli.Millis(d)) }
