package gpmtud

import (
	"context"
	"net/netip"
	"time"

	"gnetutils/pkg/icmpkind"
)

// hopLine is one line of the tracepath-style per-hop walk.
type hopLine struct {
	ttl       int
	from      netip.Addr
	rtt       time.Duration
	pmtu      int  // a new path MTU learned at this line, 0 if none
	reached   bool // the destination answered
	noReply   bool
	blackHole bool   // pmtu was found by probing: the hop before dropped its frag-needed
	annot     string // unreachable annotation (!H, !N, ...)
	back      int    // hops the answer travelled back, 0 if unknown
}

// walkResult sums the walk up for the Resume line.
type walkResult struct {
	pmtu         int
	hops         int // hops to the destination, 0 if not reached
	back         int
	reached      bool
	blackHoleHop int // the hop after which packets above pmtu vanish, 0 if none
	learned      string
}

// walk probes hop by hop as tracepath does, at the path MTU known so far.
// Where a size vanishes at a hop that smaller packets pass, the hop before
// dropped its frag-needed: it bisects the size at that hop and names the
// black hole.
func walk(ctx context.Context, pr *prober, start, floor, maxHops int, emit func(hopLine)) (walkResult, error) {
	w := &walker{pr: pr, floor: floor, emit: emit, size: start, wr: walkResult{learned: "probing"}}
	for ttl := 1; ttl <= maxHops; {
		next, err := w.step(ctx, ttl)
		if next == walkEnds || err != nil {
			return w.wr, err
		}
		ttl = next
	}
	w.wr.pmtu = w.size
	return w.wr, nil
}

// walker is the state of a walk.
type walker struct {
	pr       *prober
	floor    int
	emit     func(hopLine)
	size     int // the path MTU known so far, the size of the probes
	icmpSize int // the size a router's next-hop MTU named
	wr       walkResult
}

// walkEnds is step's next TTL when the walk is over.
const walkEnds = 0

// step probes hop ttl at the current size and returns the TTL to probe
// next: the same after a smaller size was learned, walkEnds when the
// destination answered or cannot be reached (err says which).
func (w *walker) step(ctx context.Context, ttl int) (int, error) {
	o, err := w.pr.try(ctx, ttl, w.size)
	if err != nil {
		w.wr.pmtu = w.size
		return walkEnds, err
	}
	line := hopLine{ttl: ttl, from: o.from, rtt: o.rtt, back: returnHops(o)}
	switch o.res {
	case resHop:
		w.emit(line)
		return ttl + 1, nil
	case resThrough:
		line.reached = true
		w.emit(line)
		w.reached(ttl, line.back)
		if w.size == w.icmpSize {
			w.wr.learned = "icmp"
		}
		return walkEnds, nil
	case resTooBig, resLocal:
		if err := w.shrink(o, line); err != nil {
			return walkEnds, err
		}
		return ttl, nil
	case resUnreachable:
		line.annot = annotation(o)
		w.emit(line)
		w.wr.pmtu = w.size
		return walkEnds, errUnreachable
	}
	return w.lost(ctx, ttl)
}

// reached records that the destination, ttl hops away, answered.
func (w *walker) reached(ttl, back int) {
	w.wr.pmtu, w.wr.hops, w.wr.back, w.wr.reached = w.size, ttl, back, true
}

// shrink goes on below a size that was too big: at the next-hop MTU the
// answer named, else at the plateau below (RFC 1191), never below the
// floor. A router's frag-needed is a line of its own.
func (w *walker) shrink(o outcome, line hopLine) error {
	next := o.mtu
	if next <= 0 || next >= w.size {
		next = plateauBelow(w.size)
	}
	if next < w.floor {
		next = w.floor
	}
	if next >= w.size {
		w.wr.pmtu = w.size
		return errUnreachable
	}
	w.size = next
	if o.res == resTooBig {
		w.icmpSize = w.size
		line.pmtu = w.size
		w.emit(line)
	}
	return nil
}

// lost handles a size lost at this TTL. If the smallest size answers
// here, the hop before this one forwards small packets but silently drops
// the larger ones: a black hole. Otherwise the hop says nothing.
func (w *walker) lost(ctx context.Context, ttl int) (int, error) {
	if w.size > w.floor {
		f, err := w.pr.try(ctx, ttl, w.floor)
		if err != nil {
			w.wr.pmtu = w.size
			return walkEnds, err
		}
		if f.res == resHop || f.res == resThrough {
			return w.blackHole(ctx, ttl, f)
		}
	}
	w.emit(hopLine{ttl: ttl, noReply: true})
	return ttl + 1, nil
}

// blackHole bisects for the largest size that passes hop ttl, from the
// floor's answer f, and names the hop before as the black hole.
func (w *walker) blackHole(ctx context.Context, ttl int, f outcome) (int, error) {
	lo, hi := w.floor, w.size
	last := f
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		m, err := w.pr.try(ctx, ttl, mid)
		if err != nil {
			w.wr.pmtu = lo
			return walkEnds, err
		}
		switch {
		case m.res == resHop || m.res == resThrough:
			lo, last = mid, m
		case m.res == resTooBig && m.mtu > lo && m.mtu < mid:
			hi = m.mtu + 1
		default:
			hi = mid
		}
	}
	w.size = lo
	if w.wr.blackHoleHop == 0 {
		w.wr.blackHoleHop = ttl - 1
	}
	line := hopLine{ttl: ttl, from: last.from, rtt: last.rtt, pmtu: w.size, blackHole: true, back: returnHops(last), reached: last.res == resThrough}
	w.emit(line)
	if line.reached {
		w.reached(ttl, line.back)
		return walkEnds, nil
	}
	return ttl + 1, nil
}

// annotation is traceroute's mark for an unreachable answer.
func annotation(o outcome) string { return icmpkind.Mark(o.icmpv6, o.typ, o.code, o.mtu) }
