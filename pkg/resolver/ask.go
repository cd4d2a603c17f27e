package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// askZone asks the zone's servers until one answers properly: the best
// first, each server that does not answer again only after every other
// has been asked as often, and the addresses of glueless ones looked up
// only once every known address has had its first try. A server that
// answers lame, or cannot be reached, is done with. One that does not
// answer within its RTO is asked again (or the next server is), and the
// query it did not answer keeps listening for Timeout: a late answer is
// as good as any. Servers that only time out are asked until the lookup's
// deadline or query budget ends (with Tries, that many times each): on a
// lossy path a timeout is not lameness, and unbound keeps probing. It
// fails when every server of the zone has, or when time runs out.
func (lk *lookup) askZone(ctx context.Context, set *nsSet, qname string, qtype uint16, depth int) (*dns.Msg, netip.AddrPort, error) {
	tctx, cancel := context.WithCancel(ctx)
	z := &zoneAsk{lk: lk, set: set, qname: qname, qtype: qtype, depth: depth, sent: map[netip.AddrPort]int{},
		done: map[netip.AddrPort]bool{}, failed: &ZoneError{Zone: set.zone}, results: make(chan *try, 4)}
	defer func() {
		// The tries still listening stop at once, and have kept their
		// records (RTT, lameness) before the lookup goes on.
		cancel()
		z.wg.Wait()
	}()
	for {
		if err := ctxErr(ctx); err != nil {
			return nil, netip.AddrPort{}, z.failed.outOfTime(err, z.sent, z.done)
		}
		if z.current == nil {
			if err := z.sendNext(ctx, tctx); err != nil {
				return nil, netip.AddrPort{}, err
			}
		}
		var rto <-chan time.Time
		if z.current != nil {
			rto = z.timer.C
		}
		select {
		case t := <-z.results:
			z.flying--
			if resp := z.landed(ctx, t); resp != nil {
				return resp, t.s.addr, nil
			}
		case <-rto:
			z.timedOut()
		case <-ctx.Done():
		}
	}
}

// zoneAsk is the state of askZone: the tries sent to the zone's servers.
type zoneAsk struct {
	lk      *lookup
	set     *nsSet
	qname   string
	qtype   uint16
	depth   int
	sent    map[netip.AddrPort]int
	done    map[netip.AddrPort]bool // lame, unreachable or out of tries: not asked again
	failed  *ZoneError
	results chan *try // each try's outcome, once it has one, while askZone listens
	flying  int       // tries still listening
	wg      sync.WaitGroup
	current *try // the latest try, until its RTO has passed or it landed
	timer   *time.Timer
}

// try is one query to one server of the zone.
type try struct {
	s        server
	q        *dns.Msg
	wait     time.Duration // the RTO it was sent with, at most rtoCeiling
	rto      time.Duration // the server's RTO then, for backoff
	last     bool          // the last of Tries to this server
	timedOut bool          // its RTO passed without an answer
	resp     *dns.Msg
	rtt      time.Duration
	err      error
}

// sendNext sends the next try, looking glueless servers' addresses up
// first if every known one has been asked. With nothing to send now it
// sends nothing, and askZone waits for the tries in flight; with none in
// flight either, the zone has failed.
func (z *zoneAsk) sendNext(ctx, tctx context.Context) error {
	lk := z.lk
	for len(z.results) == 0 && ctxErr(ctx) == nil {
		s, n, ok := lk.pick(z.set.zone, z.set.known, z.sent, z.done)
		if (!ok || n > 0) && len(z.set.pending) > 0 {
			lk.fetchPending(ctx, z.set, z.depth, ok)
			continue
		}
		switch {
		case ok && lk.queries >= lk.r.cfg.MaxQueries && z.flying == 0:
			return ErrTooMany
		case !ok && z.flying == 0 && z.failed.Last == nil:
			return ErrNoServers
		case !ok && z.flying == 0:
			return z.failed
		case ok && lk.queries < lk.r.cfg.MaxQueries:
			if t := z.send(tctx, s); t != nil {
				z.landed(ctx, t) // not even sent: the next at once
				continue
			}
		}
		return nil
	}
	return nil
}

// send asks s in the background; its outcome comes to z.results, or,
// when no socket could be opened, back at once. The socket is opened
// here, on the lookup's goroutine (its thread may be in a lab's network
// namespace), the exchange runs in the try's own.
func (z *zoneAsk) send(tctx context.Context, s server) *try {
	lk := z.lk
	z.sent[s.addr]++
	lk.queries++
	t := &try{s: s, last: z.sent[s.addr] == lk.r.cfg.Tries, q: lk.newQuery(z.qname, z.qtype)}
	lk.r.emit(Event{Kind: "query", Depth: z.depth, Zone: z.set.zone, Server: s.addr, Name: s.name, QName: z.qname, QType: dns.TypeToString[z.qtype]})
	conn, err := dialUDP(tctx, s.addr)
	if err != nil {
		_, _, t.err = lk.verdict(tctx, s, z.set.zone, z.qname, t.q, z.depth, nil, 0, err, nil)
		return t
	}
	z.flying++
	t.wait, t.rto = lk.r.servers.timeout(s.addr, lk.r.rtoCeiling())
	z.current, z.timer = t, time.NewTimer(t.wait)
	z.wg.Go(func() {
		t.resp, t.rtt, t.err = lk.udpTry(tctx, conn, s, z.set.zone, z.qname, t.q, z.depth, lk.r.cfg.Timeout)
		if !followUp(t.q, t.resp) {
			z.judge(tctx, t)
		}
		select {
		case z.results <- t:
		case <-tctx.Done(): // askZone has returned
		}
	})
	return nil
}

// judge takes what a try's exchange brought: an RTT sample from a
// response, and the verdict on it, lame (for the zone: the server is
// ranked last for it from now on) or usable. It runs in the try's own
// goroutine: the server's record is kept even when the try is cut short
// because another server has answered; events only while askZone listens.
func (z *zoneAsk) judge(tctx context.Context, t *try) {
	lk := z.lk
	if t.err == nil {
		lk.r.servers.rtt(t.s.addr, t.rtt)
		ev := Event{Kind: "response", Depth: z.depth, Zone: z.set.zone, Server: t.s.addr, Name: t.s.name, QName: z.qname,
			QType: dns.TypeToString[z.qtype], RTT: t.rtt, Msg: t.resp, Size: t.resp.Len()}
		why := usable(z.set.zone, z.qname, z.qtype, t.resp)
		if tctx.Err() == nil {
			lk.r.emit(ev)
		}
		if why != "" {
			ev.Kind, ev.Note, ev.Msg, ev.RTT, ev.Size = "lame", why, nil, 0, 0
			if tctx.Err() == nil {
				lk.r.emit(ev)
			}
			t.err = lameError(t.s, z.set.zone, why)
		}
	}
	if errors.Is(t.err, errLame) {
		lk.r.servers.markLame(t.s.addr, z.set.zone)
	}
}

// timedOut: the current try's RTO has passed without an answer. The
// server's RTO backs off, and the next try goes out at once; this one
// keeps listening.
func (z *zoneAsk) timedOut() {
	t := z.current
	z.current, t.timedOut = nil, true
	z.lk.r.servers.backoff(t.s.addr, t.rto, z.lk.r.rtoCeiling())
	note := fmt.Sprintf("none within its RTO (%v)", t.wait.Round(time.Millisecond))
	z.lk.r.emit(Event{Kind: "timeout", Depth: z.depth, Zone: z.set.zone, Server: t.s.addr, Name: t.s.name, QName: z.qname, QType: dns.TypeToString[z.qtype], Note: note})
	if t.last {
		z.done[t.s.addr] = true
		z.failed.count(fmt.Errorf("%w: %s", errTimeout, note))
	}
}

// landed takes a try's judged outcome: the response, when usable.
// Otherwise the server is done with (lame for the zone, unreachable, or
// broken), and when the try was the current one, the next goes out at
// once.
func (z *zoneAsk) landed(ctx context.Context, t *try) *dns.Msg {
	lk := z.lk
	if followUp(t.q, t.resp) {
		t.resp, t.rtt, t.err = lk.followUp(ctx, t.s, z.set.zone, z.qname, t.q, t.resp, z.depth, lk.r.cfg.Timeout)
		z.judge(ctx, t)
	}
	err := t.err
	if err == nil {
		return t.resp
	}
	if t == z.current {
		z.current = nil
		z.timer.Stop()
	}
	switch {
	case errors.Is(err, errTimeout) && !t.timedOut && ctxErr(ctx) == nil:
		z.current = t // its whole Timeout passed before its RTO (the same): the RTO's turn
		z.timedOut()
	case errors.Is(err, errTimeout), ctxErr(ctx) != nil:
	default: // lame, unreachable, or broken
		if errors.Is(err, errUnreachable) {
			lk.queries-- // nothing was sent
		}
		if !z.done[t.s.addr] {
			z.done[t.s.addr] = true
			z.failed.count(err)
		}
	}
	return nil
}
