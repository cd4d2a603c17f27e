package garp

import (
	"io"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
)

// printer is garp's one way out: arping's text (textPrinter) or NDJSON
// (jsonPrinter), chosen once in Run. The modes tell it what happened.
type printer interface {
	// arping
	arping(dst, src netip.Addr, ifname string) // before the first probe
	probe(dst netip.Addr, seq int, broadcast bool, at time.Time)
	reply(dst netip.Addr, p arpPacket, broadcast bool, rtt time.Duration, at time.Time)
	arpingSummary(dst netip.Addr, sent, broadcasts, received int, duplicate bool)
	// --scan; macs counts the MACs heard for addr so far, this one included
	host(addr netip.Addr, mac string, macs int, at time.Time)
	scanSummary(prefix netip.Prefix, hosts, responded, requests int, elapsed time.Duration, ifname string)
	// --cache; mac is "" for an entry without one
	neighbour(addr, dev, mac, state string)
	// --watch
	watching(ifname string)
	newStation(addr, mac string, at time.Time)
	conflict(addr, mac, previous string, seen time.Duration, gratuitous bool, at time.Time)
	watchSummary(ifname string, stations, conflicts int)
}

// newPrinter is the printer the flags ask for.
func newPrinter(o *options, stdout, stderr io.Writer) printer {
	if o.common.JSON {
		return &jsonPrinter{js: cli.NewNDJSON(stdout)}
	}
	return &textPrinter{out: cli.NewLines(stdout), stderr: stderr, quiet: o.quiet}
}
