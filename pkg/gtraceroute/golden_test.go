package gtraceroute

import (
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/icmpkind"
)

func answered(from string, us int, annot string) *probe {
	return &probe{done: true, r: reply{from: netip.MustParseAddr(from), rtt: time.Duration(us) * time.Microsecond, annot: annot}}
}

func silent() *probe { return &probe{lost: true} }

// goldenTrace is a trace with every case traceroute's text has: all
// answered, a silent hop, single stars, a hop answering from two
// addresses, MPLS labels, and a final annotation.
func goldenTrace() []hop {
	mpls := answered("198.18.3.1", 250, "")
	mpls.r.ext = "MPLS:L=16001,E=0,S=1,T=1"
	return []hop{
		{1, []*probe{answered("198.18.1.1", 146, ""), answered("198.18.1.1", 120, ""), answered("198.18.1.1", 110, "")}},
		{2, []*probe{silent(), silent(), silent()}},
		{3, []*probe{mpls, silent(), answered("198.18.3.1", 12345, "")}},
		{4, []*probe{answered("198.18.4.1", 1500, ""), answered("198.18.9.1", 123456, ""), answered("198.18.4.1", 2, "")}},
		{5, []*probe{answered("198.18.5.1", 300, "!H"), silent(), answered("198.18.5.1", 310, "!H")}},
	}
}

func TestGoldenText(t *testing.T) {
	var out bytes.Buffer
	p := &textPrinter{w: cli.NewLines(&out), host: "h2.lab", addr: netip.MustParseAddr("198.18.5.1"), numeric: true, ext: true}
	p.header(30, 60)
	for _, h := range goldenTrace() {
		p.hop(h)
	}
	p6 := &textPrinter{w: cli.NewLines(&out), host: "fd00:0:0:4::1", addr: netip.MustParseAddr("fd00:0:0:4::1"), numeric: true, ext: true}
	p6.header(30, 80)
	p6.hop(hop{1, []*probe{answered("fd00:0:0:1::1", 93, ""), silent(), answered("fd00:0:0:1::1", 8, "")}})
	p6.hop(hop{2, []*probe{answered("fd00:0:0:1::1", 60, "!F-1280")}})
	p6.summary(2, 2, 4, time.Millisecond) // no text
	// Names, as without -n: "name (addr)", the address twice when it has none.
	named := &textPrinter{w: cli.NewLines(&out)}
	named.names.Store(netip.MustParseAddr("198.18.1.1"), "r1.lab (198.18.1.1)")
	named.names.Store(netip.MustParseAddr("198.18.9.1"), "198.18.9.1 (198.18.9.1)")
	named.hop(hop{1, []*probe{answered("198.18.1.1", 146, ""), answered("198.18.9.1", 120, ""), answered("198.18.1.1", 110, "")}})
	clitest.Golden(t, "trace.golden", out.String())
}

func TestGoldenJSON(t *testing.T) {
	var out bytes.Buffer
	p := &ndjsonPrinter{js: cli.NewNDJSON(&out), host: "h2.lab", addr: netip.MustParseAddr("198.18.5.1")}
	p.header(30, 60) // no event
	trace := goldenTrace()
	trace[1].probes[0].retried = true
	for _, h := range trace {
		for _, pr := range h.probes {
			pr.r.kind = "time_exceeded"
			if pr.r.annot != "" {
				pr.r.kind = "unreachable"
			}
		}
	}
	trace[0].probes[0].r.at = time.Date(2026, 11, 22, 17, 34, 40, 123456789, time.UTC)
	for _, h := range trace {
		p.hop(h)
	}
	p.summary(5, 5, 15, 2500*time.Microsecond)
	clitest.Golden(t, "trace.ndjson.golden", out.String())
}

// goldenReportHops are --report's hops with every case mtr's table has: all
// answered, none, some lost, and one slow answer among fast ones.
func goldenReportHops() []*hopStats {
	hs := func(addr string, received int, us ...int) *hopStats {
		h := &hopStats{sent: 10, received: received}
		if addr != "" {
			h.addr = netip.MustParseAddr(addr)
		}
		for _, u := range us {
			h.rtt.Add(time.Duration(u) * time.Microsecond)
			h.last = time.Duration(u) * time.Microsecond
		}
		return h
	}
	return []*hopStats{
		hs("198.18.1.1", 10, 100, 120, 90, 110, 100, 95, 105, 130, 80, 100),
		hs("", 0),
		hs("198.18.3.1", 7, 1500, 2500, 1200, 1800, 30100, 1400, 1600),
		hs("198.18.4.1", 10, 12000, 12500, 11800, 12100, 12000, 12300, 11900, 12050, 12000, 12400),
	}
}

func TestGoldenReport(t *testing.T) {
	hops := goldenReportHops()
	var out bytes.Buffer
	p := &textPrinter{w: cli.NewLines(&out), numeric: true}
	p.reportTable(time.Date(2026, 11, 22, 17, 34, 40, 0, time.UTC), "vm", 1, hops)
	// Without -n mtr shows the name alone, or the address when there is none.
	named := &textPrinter{w: cli.NewLines(&out)}
	named.names.Store(netip.MustParseAddr("198.18.1.1"), "r1.lab (198.18.1.1)")
	named.names.Store(netip.MustParseAddr("198.18.3.1"), "198.18.3.1 (198.18.3.1)")
	named.reportTable(time.Date(2026, 11, 22, 17, 34, 40, 0, time.UTC), "vm", 1, hops[:3])
	clitest.Golden(t, "report.golden", out.String())
}

// TestGoldenReportJSON: report_hop keeps the alphabetical key order of the
// map it once was, "type" among the others, and leaves out the RTT
// figures of a hop that never answered (but not a 0 stdev); the summary
// counts the report's probes.
func TestGoldenReportJSON(t *testing.T) {
	var out bytes.Buffer
	p := &ndjsonPrinter{js: cli.NewNDJSON(&out), host: "h2.lab", addr: netip.MustParseAddr("198.18.4.1")}
	hops := goldenReportHops()
	hops = append(hops, &hopStats{addr: netip.MustParseAddr("198.18.5.1"), sent: 1, received: 1, last: time.Millisecond})
	hops[len(hops)-1].rtt.Add(time.Millisecond)
	p.report(time.Now(), 1, 4, hops)
	// The summary counts the probes of every hop; its elapsed time is
	// the run's own.
	got := regexp.MustCompile(`"elapsed_ms":[0-9.e-]+`).ReplaceAllString(out.String(), `"elapsed_ms":0`)
	clitest.Golden(t, "report.ndjson.golden", got)
}

// TestGoldenAnnotations: traceroute's mark for every ICMP unreachable
// code, IPv4 and IPv6, and packet too big.
func TestGoldenAnnotations(t *testing.T) {
	var out bytes.Buffer
	for code := uint8(0); code <= 16; code++ {
		fmt.Fprintf(&out, "icmp   type 3 code %2d: %q\n", code, icmpkind.Mark(false, 3, code, 1400))
	}
	for code := uint8(0); code <= 7; code++ {
		fmt.Fprintf(&out, "icmpv6 type 1 code %2d: %q\n", code, icmpkind.Mark(true, 1, code, 0))
	}
	fmt.Fprintf(&out, "icmpv6 type 2 (packet too big, MTU 1280): %q\n", icmpkind.Mark(true, 2, 0, 1280))
	clitest.Golden(t, "annotations.golden", out.String())
}
