package garp

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"gnetutils/pkg/cli"
)

// textPrinter prints arping's lines, arp-scan's and ip neigh's; -q
// silences it all.
type textPrinter struct {
	out    *cli.Lines
	stderr io.Writer // --scan's closing line
	quiet  bool
}

func (p *textPrinter) printf(format string, a ...any) {
	if !p.quiet {
		p.out.Printf(format, a...)
	}
}

func (p *textPrinter) arping(dst, src netip.Addr, ifname string) {
	p.printf("ARPING %s from %s %s", dst, src, ifname)
}

func (p *textPrinter) probe(netip.Addr, int, bool, time.Time) {}

func (p *textPrinter) reply(_ netip.Addr, r arpPacket, broadcast bool, rtt time.Duration, _ time.Time) {
	kind := "Unicast"
	if broadcast {
		kind = "Broadcast"
	}
	p.printf("%s reply from %s [%s]  %s", kind, r.SenderIP, macString(r.SenderMAC), fmtRTT(rtt))
}

func (p *textPrinter) arpingSummary(_ netip.Addr, sent, broadcasts, received int, _ bool) {
	p.printf("Sent %d probes (%d broadcast(s))", sent, broadcasts)
	p.printf("Received %d response(s)", received)
}

func (p *textPrinter) host(addr netip.Addr, mac string, macs int, _ time.Time) {
	line := fmt.Sprintf("%s\t%s", addr, mac)
	if macs > 1 {
		line += fmt.Sprintf("\t(DUP: %d)", macs)
	}
	p.printf("%s", line)
}

func (p *textPrinter) scanSummary(_ netip.Prefix, hosts, responded, requests int, elapsed time.Duration, ifname string) {
	if !p.quiet {
		fmt.Fprintf(p.stderr, "%s: %d hosts scanned in %.3f seconds (%d requests on %s), %d responded\n", command.Name, hosts, elapsed.Seconds(), requests, ifname, responded)
	}
}

func (p *textPrinter) neighbour(addr, dev, mac, state string) {
	line := addr + " dev " + dev
	if mac != "" {
		line += " lladdr " + mac
	}
	p.printf("%s", line+" "+state)
}

func (p *textPrinter) watching(ifname string) { p.printf("garp: watching ARP on %s", ifname) }

func (p *textPrinter) newStation(addr, mac string, at time.Time) {
	p.printf("%s new station %s %s", at.Format("15:04:05.000"), addr, mac)
}

func (p *textPrinter) conflict(addr, mac, previous string, seen time.Duration, gratuitous bool, at time.Time) {
	how := ""
	if gratuitous {
		how = " by gratuitous ARP"
	}
	p.printf("%s CONFLICT %s is at %s, was at %s (seen %s ago)%s", at.Format("15:04:05.000"), addr, mac, previous, seen.Round(time.Millisecond), how)
}

func (p *textPrinter) watchSummary(string, int, int) {}

// macString is arping's upper-case MAC.
func macString(m net.HardwareAddr) string { return strings.ToUpper(m.String()) }

func fmtRTT(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%03dms", us/1000, us%1000)
}
