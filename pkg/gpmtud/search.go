package gpmtud

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// result is what one probe (with its retries) came to.
type result int

const (
	resThrough     result = iota // the destination answered: this size gets through
	resTooBig                    // frag-needed / packet-too-big (MTU in outcome.mtu, 0 if none)
	resLocal                     // refused locally: larger than the interface MTU
	resLost                      // no answer after every retry
	resHop                       // a router answered time-exceeded (per-hop walk)
	resUnreachable               // the destination or a router said unreachable
)

func (r result) String() string {
	return [...]string{"through", "too big", "local mtu", "lost", "hop", "unreachable"}[r]
}

// outcome is one probed size's answer.
type outcome struct {
	res       result
	size, ttl int
	from      netip.Addr
	mtu       int
	rtt       time.Duration
	replyTTL  int
	typ, code uint8
	icmpv6    bool
	sent      int // probes sent for this outcome (1 + retries used)
}

// path is what the search needs from the network: one DF probe of an IP
// packet size with a TTL (0: default), waiting up to timeout for its answer.
// The real one probes through pkg/probes; tests use a simulated path.
type path interface {
	probe(ctx context.Context, ttl, size int, timeout time.Duration) (outcome, error)
}

// searchConfig bounds the search.
type searchConfig struct {
	start     int           // first size to try: the interface MTU
	floor     int           // smallest size worth probing (68 IPv4, 1280 IPv6)
	retries   int           // extra probes before a size counts as lost
	wait      time.Duration // longest wait for one answer
	maxProbes int           // bound on probes in all
	deadline  time.Duration // bound on the whole search
	refill    time.Duration // how long the last try of a size waits after an answer (ICMP rate limits)
	step      func(outcome) // called after each probed size (verbose output)
}

// searchResult is the answer.
type searchResult struct {
	pmtu      int
	learned   string // "icmp": the size a router's next-hop MTU named got through; "probing": found by probes
	blackHole bool   // sizes above pmtu vanished without a frag-needed
	bhLow     int    // smallest size that vanished
	probes    int
	elapsed   time.Duration
	rtt       time.Duration // largest RTT seen
}

var (
	errUnreachable = errors.New("target unreachable")
	errNoAnswer    = errors.New("no answer from the target")
	errBudget      = errors.New("probe or time budget exhausted before the search converged")
)

// prober tracks timeouts and budget across probes.
type prober struct {
	p       path
	cfg     searchConfig
	maxRTT  time.Duration
	probes  int
	started time.Time
	// lastAnswer is when the last answer arrived: hosts and routers
	// rate-limit ICMP errors per destination (Linux: a burst of 6, then one
	// per second), so the last try of a size waits for a token to refill
	// before the size is called lost.
	lastAnswer time.Time
}

// rateLimitRefill, searchConfig.refill's default, is Linux's default icmp_ratelimit (and ICMPv6's): one
// error per second per destination once the burst is spent.
const rateLimitRefill = 1100 * time.Millisecond

// timeout adapts the wait to the path: once an RTT is known, a lost probe
// is declared after a few RTTs (at least 100 ms), not after the full wait.
func (pr *prober) timeout() time.Duration {
	if pr.maxRTT == 0 {
		return pr.cfg.wait
	}
	t := 4*pr.maxRTT + 100*time.Millisecond
	if t > pr.cfg.wait {
		t = pr.cfg.wait
	}
	return t
}

func (pr *prober) exhausted() bool {
	return pr.probes >= pr.cfg.maxProbes || time.Since(pr.started) > pr.cfg.deadline
}

// try probes one size, retrying while the probe is lost; a size is lost
// only when all of 1+retries probes were.
func (pr *prober) try(ctx context.Context, ttl, size int) (outcome, error) {
	var o outcome
	for attempt := 0; attempt <= pr.cfg.retries; attempt++ {
		if pr.exhausted() {
			return o, errBudget
		}
		if attempt > 0 && attempt == pr.cfg.retries && !pr.lastAnswer.IsZero() {
			if wait := time.Until(pr.lastAnswer.Add(pr.cfg.refill)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return o, ctx.Err()
				}
			}
		}
		var err error
		o, err = pr.p.probe(ctx, ttl, size, pr.timeout())
		pr.probes++
		o.sent = attempt + 1
		if err != nil {
			return o, err
		}
		if o.res != resLost {
			pr.lastAnswer = time.Now()
			if o.rtt > pr.maxRTT {
				pr.maxRTT = o.rtt
			}
			break
		}
		if ctx.Err() != nil {
			return o, ctx.Err()
		}
	}
	if pr.cfg.step != nil {
		pr.cfg.step(o)
	}
	return o, nil
}

// search finds the path MTU to the destination: follow the next-hop MTUs
// routers report; when a size vanishes without one (a black hole), bisect
// between the largest size that got through and the smallest that vanished.
func search(ctx context.Context, p path, cfg searchConfig) (searchResult, error) {
	pr := &prober{p: p, cfg: cfg, started: time.Now()}
	lo := 0             // largest size known to get through (0: none yet)
	hi := cfg.start + 1 // sizes >= hi are known not to
	cur := cfg.start
	icmpSize := 0 // the size a router's next-hop MTU told us to try
	res := searchResult{learned: "probing"}
	finish := func(err error) (searchResult, error) {
		res.probes, res.elapsed, res.rtt = pr.probes, time.Since(pr.started), pr.maxRTT
		res.pmtu = lo
		return res, err
	}
	for {
		o, err := pr.try(ctx, 0, cur)
		if err != nil {
			return finish(err)
		}
		switch o.res {
		case resThrough:
			lo = cur
			res.learned = "probing"
			if cur == icmpSize {
				res.learned = "icmp"
			}
		case resTooBig:
			hi = min(hi, cur)
			if o.mtu > 0 && o.mtu < cur {
				hi = min(hi, o.mtu+1)
				if o.mtu > lo {
					cur, icmpSize = o.mtu, o.mtu
					continue
				}
			}
			if m := plateauBelow(cur); m > lo && m >= cfg.floor {
				cur = m // RFC 1191: no MTU given, step down the plateau table
				continue
			}
		case resLocal:
			hi = min(hi, cur)
			if o.mtu > 0 && o.mtu < cur {
				hi = min(hi, o.mtu+1) // the interface refuses anything larger
				if o.mtu > lo {
					cur = o.mtu
					continue
				}
			}
		case resLost:
			hi = min(hi, cur)
			if lo == 0 {
				// Does anything get through? Probe the smallest size once
				// before calling the larger ones a black hole.
				if cur <= cfg.floor {
					return finish(errNoAnswer)
				}
				f, err := pr.try(ctx, 0, cfg.floor)
				if err != nil {
					return finish(err)
				}
				switch f.res {
				case resThrough:
					lo = cfg.floor
				case resLost:
					return finish(errNoAnswer)
				case resUnreachable:
					return finish(errUnreachable)
				default:
					hi = min(hi, cfg.floor)
				}
			}
			if !res.blackHole || cur < res.bhLow {
				res.blackHole, res.bhLow = true, cur
			}
		case resUnreachable:
			return finish(errUnreachable)
		case resHop:
			// A default-TTL probe expired on the way: a routing loop or a path
			// longer than the TTL; either way the target is not reachable.
			return finish(errUnreachable)
		}
		if lo == 0 {
			return finish(errNoAnswer)
		}
		if hi-lo <= 1 {
			return finish(nil)
		}
		cur = lo + (hi-lo)/2
	}
}

// plateaus is RFC 1191's table of common MTUs, with today's tunnel MTUs
// added, for routers that send frag-needed without a next-hop MTU.
var plateaus = []int{65535, 32000, 17914, 9000, 8166, 4352, 2002, 1500, 1492, 1480, 1460, 1450, 1420, 1400, 1380, 1300, 1280, 1006, 576, 508, 296, 68}

func plateauBelow(size int) int {
	for _, m := range plateaus {
		if m < size {
			return m
		}
	}
	return 0
}
