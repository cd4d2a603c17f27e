package gtraceroute

import (
	"context"
	"errors"
	"math"
	"net/netip"
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
// second apart), then prints the report: mtr -r's table or report_hop
// events. Once a cycle has reached the destination, later cycles probe no
// further: the probes past it would only spend its ICMP rate limit (one
// answer a second on Linux, as many as the cycles need).
func runReport(ctx context.Context, tc traceConfig, m method, cycles int, p printer) error {
	tc.queries = 1
	start := time.Now()
	r := tally{first: tc.first}
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
		last, err := t.run(ctx, r.add)
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if last > 0 {
			end = last
			tc.max = last
		}
	}
	if end > 0 && end-tc.first+1 < len(r.hops) {
		r.hops = r.hops[:end-tc.first+1]
	}
	p.report(start, tc.first, end, r.hops)
	return nil
}

// tally gathers the cycles' answers, hop by hop from TTL first.
type tally struct {
	first int
	hops  []*hopStats
}

// add counts one cycle's probe of h.
func (r *tally) add(h hop) {
	for len(r.hops) < h.ttl-r.first+1 {
		r.hops = append(r.hops, &hopStats{})
	}
	hs := r.hops[h.ttl-r.first]
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
