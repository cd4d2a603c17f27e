package gtfo

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
)

// textPrinter is gtfo's output for people.
type textPrinter struct {
	lines  *cli.Lines
	stderr io.Writer // get's failed connections, as curl reports its own
}

func (p textPrinter) getStart(addr, mode string, count int) {
	p.lines.Printf("GTFO %s: %s, %d connection(s)", addr, mode, count)
}

func (p textPrinter) getReply(ev getReply) {
	syn := "no"
	if ev.SynData {
		syn = "yes"
	} else if ev.Why != "" {
		syn = "no (" + ev.Why + ")"
	}
	p.lines.Printf("%d: connect %.2f ms, first byte %.2f ms, %d bytes in %.2f ms, HTTP %d, data in SYN: %s",
		ev.Seq, ev.ConnectMS, ev.FirstByteMS, ev.Size, ev.TotalMS, ev.Status, syn)
}

func (p textPrinter) getError(ev getError) {
	cli.Errorf(p.stderr, "gtfo", "%d: %s", ev.Seq, ev.Error)
}

func (p textPrinter) getSummary(ev getSummary) {
	p.lines.Printf("--- %s gtfo statistics ---", ev.Addr)
	line := fmt.Sprintf("%d connections, %d answered, %d with data in SYN", ev.Transmitted, ev.Received, ev.SynData)
	if ev.Received > 0 {
		line += fmt.Sprintf("; first byte min/median/p95/max = %.3f/%.3f/%.3f/%.3f ms", ev.FirstByteMin, ev.FirstByteMed, ev.FirstByteP95, ev.FirstByteMax)
	}
	p.lines.Printf("%s", line)
}

func (p textPrinter) compared(rounds, size int, results []*caseResult, sum compareSummary) {
	p.table(sum.Addr, rounds, size, results)
	if note := tfoNote(results, sum); note != "" {
		p.lines.Printf("%s", note)
	}
	line := "kernel counters during the run: client " + formatCounters(sum.Counters)
	if sum.ServerCounters != nil {
		line += "; server " + formatCounters(sum.ServerCounters)
	}
	p.lines.Printf("%s", line)
}

// table is compare's table: a row per case.
func (p textPrinter) table(addr string, rounds, size int, results []*caseResult) {
	p.lines.Printf("gtfo compare %s: %d rounds per case, %d-byte bodies", addr, rounds, size)
	p.lines.Printf("%-44s %-19s %7s %10s %9s  %s", "case", "measure", "ok", "median ms", "p95 ms", "kernel counter deltas (client, server) / notes")
	for _, r := range results {
		label := fmt.Sprintf("%d %s", r.Group, r.Title)
		if r.Skipped != "" {
			p.lines.Printf("%-44s %-19s %7s %10s %9s  skipped: %s", label, r.Measure, "-", "-", "-", r.Skipped)
			continue
		}
		var notes []string
		if r.SynData != nil {
			notes = append(notes, fmt.Sprintf("data in SYN %d/%d", *r.SynData, r.OK))
		}
		if r.Case == "quickack_once" && r.OK > 0 {
			notes = append(notes, fmt.Sprintf("1st round %.2f ms", r.FirstMS))
		}
		if c := formatCounters(r.Counters); c != "none" {
			notes = append(notes, "client "+c)
		}
		if c := formatCounters(r.ServerCounters); c != "none" {
			notes = append(notes, "server "+c)
		}
		if r.Error != "" {
			notes = append(notes, "error: "+r.Error)
		}
		p.lines.Printf("%s", strings.TrimRight(fmt.Sprintf("%-44s %-19s %7s %10.2f %9.2f  %s", label, r.Measure, fmt.Sprintf("%d/%d", r.OK, r.Rounds), r.MedianMS, r.P95MS, strings.Join(notes, ", ")), " "))
	}
}

// tfoNote says what TFO saved, when both connection cases have rounds to
// compare; "" otherwise.
func tfoNote(results []*caseResult, sum compareSummary) string {
	plain, tfo := connectionCases(results)
	if plain == nil {
		return ""
	}
	note := fmt.Sprintf("TFO saved %.2f ms of %.2f at the median: %.2f round trips (RTT %.2f ms, the plain handshake); data in SYN on %d of %d connections",
		sum.TFOSavedMS, plain.MedianMS, sum.TFOSavedRTTs, sum.RTTms, *tfo.SynData, tfo.OK)
	if *tfo.SynData == 0 {
		note += "; the server took no data in the SYN (does its net.ipv4.tcp_fastopen have the server bit 0x2, its listener TCP_FASTOPEN?)"
	}
	return note
}

// formatCounters prints the counters that moved, without the TcpExt prefix.
func formatCounters(c kstat.Counters) string {
	if c == nil {
		return "none"
	}
	var parts []string
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if c[k] != 0 {
			parts = append(parts, fmt.Sprintf("%s%+d", strings.TrimPrefix(k, "TcpExt"), c[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func (p textPrinter) listening(ev listenEvent) {
	p.lines.Printf("gtfo: listening on %s, TCP_FASTOPEN queue %d, %d-byte responses", ev.Addr, ev.FastOpenQueue, ev.Size)
}

func (p textPrinter) conn(ev connReport) {
	syn := "no"
	if ev.SynData {
		syn = fmt.Sprintf("yes (%d bytes)", ev.SynBytes)
	}
	line := fmt.Sprintf("%s: request in SYN: %s, %d %s request(s), %d bytes in, %d bytes out, %.1f ms",
		ev.Addr, syn, ev.Requests, ev.Proto, ev.BytesIn, ev.BytesOut, ev.DurationMS)
	if ev.Error != "" {
		line += ", error: " + ev.Error
	}
	p.lines.Printf("%s", line)
}

func (p textPrinter) served(ev serveSummary) {
	refused := ""
	if ev.Refused > 0 {
		refused = fmt.Sprintf(", %d refused (--max-conns)", ev.Refused)
	}
	p.lines.Printf("--- gtfo serve: %d connections, %d with the request in the SYN%s; kernel: %s", ev.Connections, ev.SynData, refused, formatCounters(ev.Counters))
}
