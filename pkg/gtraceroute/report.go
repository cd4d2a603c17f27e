package gtraceroute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/stats"
)

// hopStats is one line of the report.
type hopStats struct {
	addr     netip.Addr
	sent     int
	received int
	last     time.Duration
	rtt      stats.RTT
}

// runReport traces cycles times, one probe per hop each (as mtr does, a
// second apart), then prints mtr -r's table. Once a cycle has reached the
// destination, later cycles probe no further: the probes past it would
// only spend its ICMP rate limit (one answer a second on Linux, as many as
// the cycles need).
func runReport(ctx context.Context, tc traceConfig, m method, cycles int, host string, addr netip.Addr, p *printer, stderr io.Writer) int {
	tc.queries = 1
	start := time.Now()
	var hops []*hopStats
	end, base := 0, 0
	for cycle := 0; cycle < cycles; cycle++ {
		if cycle > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		if ctx.Err() != nil {
			break
		}
		t := newTracer(tc, m)
		t.base = base // probe indexes never repeat across cycles
		base += len(t.probes)
		last, err := t.run(ctx, func(h hop) {
			for len(hops) < h.ttl-tc.first+1 {
				hops = append(hops, &hopStats{})
			}
			hs := hops[h.ttl-tc.first]
			pr := h.probes[0]
			hs.sent++
			if pr.done {
				hs.received++
				hs.last = pr.r.rtt
				hs.rtt.Add(pr.r.rtt)
				if !hs.addr.IsValid() {
					hs.addr = pr.r.from
				}
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			cli.Errorf(stderr, command.Name, "%s", sysError(err))
			return cli.ExitFail
		}
		if last > 0 {
			end = last
			tc.max = last
		}
	}
	if end > 0 && end-tc.first+1 < len(hops) {
		hops = hops[:end-tc.first+1]
	}
	if p.js != nil {
		for i, hs := range hops {
			obj := map[string]any{"type": "report_hop", "ttl": tc.first + i, "sent": hs.sent, "received": hs.received,
				"loss_pct": lossPct(hs)}
			if hs.addr.IsValid() {
				obj["addr"] = hs.addr.String()
			}
			if hs.rtt.Count() > 0 {
				obj["last_ms"], obj["avg_ms"], obj["best_ms"], obj["worst_ms"], obj["stdev_ms"] = cli.Millis(hs.last), meanMS(&hs.rtt), cli.Millis(hs.rtt.Min()), cli.Millis(hs.rtt.Max()), stdevMS(&hs.rtt)
			}
			_ = p.js.Emit(obj)
		}
		_ = p.js.Emit(summaryJSON{Type: "summary", Host: host, Addr: addr.String(), Reached: end > 0, Hops: len(hops), ElapsedMS: cli.Millis(time.Since(start))})
		return cli.ExitOK
	}
	name, _ := os.Hostname()
	p.reportTable(start, name, tc.first, hops)
	return cli.ExitOK
}

// reportTable is mtr -r's table: a Start line, a header, one line per hop.
func (p *printer) reportTable(start time.Time, localHost string, first int, hops []*hopStats) {
	p.w.Printf("Start: %s", start.Format("2006-01-02T15:04:05-0700"))
	p.w.Printf("HOST: %-27s Loss%%   Snt   Last   Avg  Best  Wrst StDev", localHost)
	for i, hs := range hops {
		who := "???"
		if hs.addr.IsValid() {
			who = p.host(hs.addr)
		}
		loss := fmt.Sprintf("%4.1f%%", lossPct(hs))
		if hs.received == 0 {
			loss = "100.0"
		}
		var last, avg, best, worst, sd float64
		if hs.rtt.Count() > 0 {
			last, avg, best, worst, sd = cli.Millis(hs.last), meanMS(&hs.rtt), cli.Millis(hs.rtt.Min()), cli.Millis(hs.rtt.Max()), stdevMS(&hs.rtt)
		}
		p.w.Printf("%3d.|-- %-25s%6s%6d%7.1f%6.1f%6.1f%6.1f%6.1f", first+i, who, loss, hs.sent, last, avg, best, worst, sd)
	}
}

func lossPct(hs *hopStats) float64 {
	if hs.sent == 0 {
		return 0
	}
	return float64(hs.sent-hs.received) * 100 / float64(hs.sent)
}

// meanMS and stdevMS are mtr's float figures (not ping's integer ones).
func meanMS(r *stats.RTT) float64 {
	var sum float64
	for _, d := range r.Samples() {
		sum += cli.Millis(d)
	}
	return sum / float64(len(r.Samples()))
}

func stdevMS(r *stats.RTT) float64 {
	n := float64(len(r.Samples()))
	if n < 2 {
		return 0
	}
	mean := meanMS(r)
	var ss float64
	for _, d := range r.Samples() {
		x := cli.Millis(d) - mean
		ss += x * x
	}
	return math.Sqrt(ss / (n - 1))
}
