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
	// named is the next-hop MTU the router named when it was below the
	// family's minimum and mtu was raised to it (0: no such thing).
	named int
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
	note      func(outcome) // called for a too-big whose MTU was raised to floor
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
	pr.clamp(&o)
	if pr.cfg.step != nil {
		pr.cfg.step(o)
	}
	return o, nil
}

// clamp raises a too-big's next-hop MTU below the family's minimum (IPv4
// 68, RFC 791; IPv6 1280, RFC 8200) to it, as the kernel does (Linux
// even keeps IPv4 paths at 552 or more, min_pmtu): no link may be
// smaller, so such a message is broken or forged, and believed it would
// make the search probe sizes that cannot be sent or follow it below any
// real path.
func (pr *prober) clamp(o *outcome) {
	if o.res != resTooBig || o.mtu <= 0 || o.mtu >= pr.cfg.floor {
		return
	}
	o.named, o.mtu = o.mtu, pr.cfg.floor
	if pr.cfg.note != nil {
		pr.cfg.note(*o)
	}
}

// search finds the path MTU to the destination: follow the next-hop MTUs
// routers report; when a size vanishes without one (a black hole), bisect
// between the largest size that got through and the smallest that vanished.
func search(ctx context.Context, p path, cfg searchConfig) (searchResult, error) {
	s := &searcher{pr: &prober{p: p, cfg: cfg, started: time.Now()}, cfg: cfg, hi: cfg.start + 1, cur: cfg.start,
		res: searchResult{learned: "probing"}}
	for {
		o, err := s.pr.try(ctx, 0, s.cur)
		if err != nil {
			return s.finish(err)
		}
		jump, err := s.take(ctx, o)
		switch {
		case err != nil:
			return s.finish(err)
		case jump:
			continue
		case s.lo == 0:
			return s.finish(errNoAnswer)
		case s.hi-s.lo <= 1:
			return s.finish(nil)
		}
		s.cur = s.lo + (s.hi-s.lo)/2
	}
}

// searcher is the state of a search.
type searcher struct {
	pr       *prober
	cfg      searchConfig
	lo       int // largest size known to get through (0: none yet)
	hi       int // sizes >= hi are known not to
	cur      int // the size to probe
	icmpSize int // the size a router's next-hop MTU told us to try
	res      searchResult
}

// take narrows the search by the answer to cur; jump reports that it chose
// the next size itself, err that the search ends.
func (s *searcher) take(ctx context.Context, o outcome) (jump bool, err error) {
	switch o.res {
	case resThrough:
		s.lo = s.cur
		s.res.learned = "probing"
		if s.cur == s.icmpSize {
			s.res.learned = "icmp"
		}
	case resTooBig:
		return s.tooBig(o), nil
	case resLocal:
		s.hi = min(s.hi, s.cur)
		if o.mtu > 0 && o.mtu < s.cur {
			s.hi = min(s.hi, o.mtu+1) // the interface refuses anything larger
			if o.mtu > s.lo {
				s.cur = o.mtu
				return true, nil
			}
		}
	case resLost:
		return false, s.lost(ctx)
	case resUnreachable:
		return false, errUnreachable
	case resHop:
		// A default-TTL probe expired on the way: a routing loop or a path
		// longer than the TTL; either way the target is not reachable.
		return false, errUnreachable
	}
	return false, nil
}

// tooBig follows a frag-needed: to the next-hop MTU it names, or (RFC
// 1191) down the plateau table when it names none.
func (s *searcher) tooBig(o outcome) (jump bool) {
	s.hi = min(s.hi, s.cur)
	if o.mtu > 0 && o.mtu < s.cur {
		s.hi = min(s.hi, o.mtu+1)
		if o.mtu > s.lo {
			s.cur, s.icmpSize = o.mtu, o.mtu
			return true
		}
	}
	if m := plateauBelow(s.cur); m > s.lo && m >= s.cfg.floor {
		s.cur = m
		return true
	}
	return false
}

// lost takes a size that vanished. Before anything got through, it
// probes the smallest size once before calling the larger ones a black
// hole.
func (s *searcher) lost(ctx context.Context) error {
	s.hi = min(s.hi, s.cur)
	if s.lo == 0 {
		if s.cur <= s.cfg.floor {
			return errNoAnswer
		}
		f, err := s.pr.try(ctx, 0, s.cfg.floor)
		if err != nil {
			return err
		}
		switch f.res {
		case resThrough:
			s.lo = s.cfg.floor
		case resLost:
			return errNoAnswer
		case resUnreachable:
			return errUnreachable
		default:
			s.hi = min(s.hi, s.cfg.floor)
		}
	}
	if !s.res.blackHole || s.cur < s.res.bhLow {
		s.res.blackHole, s.res.bhLow = true, s.cur
	}
	return nil
}

// finish is the search's result, with err.
func (s *searcher) finish(err error) (searchResult, error) {
	s.res.probes, s.res.elapsed, s.res.rtt = s.pr.probes, time.Since(s.pr.started), s.pr.maxRTT
	s.res.pmtu = s.lo
	return s.res, err
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
