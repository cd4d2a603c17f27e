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
	z := &zoneAsk{lk: lk, set: set, qname: qname, qtype: qtype, depth: depth, failed: &ZoneError{Zone: set.zone}}
	z.sent = z.sentBuf[:0]
	defer z.stop()
	for {
		if err := ctxErr(ctx); err != nil {
			return nil, netip.AddrPort{}, z.failed.outOfTime(err, z.sent, z.done)
		}
		var t *try
		if z.current == nil {
			var err error
			if t, err = z.sendNext(ctx); err != nil {
				return nil, netip.AddrPort{}, err
			}
		}
		if t == nil {
			t = z.await(ctx)
		}
		if t == nil {
			continue
		}
		if resp := z.landed(ctx, t); resp != nil {
			return resp, t.s.addr, nil
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
	sent    sendCounts
	sentBuf [4]sendCount            // sent's first
	done    map[netip.AddrPort]bool // lame, unreachable or out of tries: not asked again
	failed  *ZoneError
	current *try // the latest try, until its RTO has passed or it landed
	timer   *time.Timer
	// The tries listening in the background, once there is one: each
	// in a goroutine of its own, its outcome to results.
	bg      context.Context
	cancel  context.CancelFunc
	results chan *try
	flying  int
	wg      sync.WaitGroup
}

// try is one query to one server of the zone.
type try struct {
	s        server
	q        *dns.Msg
	conn     *pooledConn
	junk     bool          // a datagram that was not the answer came
	clean    bool          // it had its answer, and no junk: its socket may serve again
	start    time.Time     // when q went out
	wait     time.Duration // the RTO it was sent with, at most rtoCeiling
	rto      time.Duration // the server's RTO then, for backoff
	last     bool          // the last of Tries to this server
	timedOut bool          // its RTO passed without an answer
	other    error         // a response to another question came
	resp     *dns.Msg
	rtt      time.Duration
	err      error
}

// stop ends the tries still listening at once; they keep their records
// (RTT, lameness) before the lookup goes on.
func (z *zoneAsk) stop() {
	if z.cancel != nil {
		z.cancel()
		z.wg.Wait()
	}
}

// await waits for a try listening in the background to land, or for the
// current try's RTO, or for the lookup's end; nil unless a try landed.
func (z *zoneAsk) await(ctx context.Context) *try {
	var rto <-chan time.Time
	if z.current != nil {
		rto = z.timer.C
	}
	select {
	case t := <-z.results:
		z.flying--
		return t
	case <-rto:
		z.timedOut()
	case <-ctx.Done():
	}
	return nil
}

// sendNext sends the next try, looking glueless servers' addresses up
// first if every known one has been asked; a try that landed at once
// comes back. With nothing to send now it sends nothing, and askZone
// waits for the tries in flight; with none in flight either, the zone
// has failed.
func (z *zoneAsk) sendNext(ctx context.Context) (*try, error) {
	lk := z.lk
	for len(z.results) == 0 && ctxErr(ctx) == nil {
		s, n, ok := lk.pick(z.set.zone, z.set.known, z.sent, z.done)
		if (!ok || n > 0) && len(z.set.pending) > 0 {
			lk.fetchPending(ctx, z.set, z.depth, ok)
			continue
		}
		switch {
		case ok && lk.queries >= lk.r.cfg.MaxQueries && z.flying == 0:
			return nil, ErrTooMany
		case !ok && z.flying == 0 && z.failed.Last == nil:
			return nil, ErrNoServers
		case !ok && z.flying == 0:
			return nil, z.failed
		case ok && lk.queries < lk.r.cfg.MaxQueries:
			return z.send(ctx, s), nil
		}
		return nil, nil
	}
	return nil, nil
}

// send asks s, from a socket of the resolver's pool (sockPool) taken or
// opened here, on the lookup's goroutine (its thread may be in a lab's
// network namespace). With no other try in
// flight, as in most lookups, it waits here for the answer, up to the
// RTO, and the try comes back landed; once the RTO has passed, the try
// listens on in the background. With others in flight it listens in the
// background from the start, askZone timing its RTO. A try that could not
// be sent comes back at once.
func (z *zoneAsk) send(ctx context.Context, s server) *try {
	lk := z.lk
	n := z.sent.add(s.addr)
	lk.queries++
	t := &try{s: s, last: n == lk.r.cfg.Tries, q: lk.newQuery(z.qname, z.qtype)}
	lk.r.emit(Event{Kind: "query", Depth: z.depth, Zone: z.set.zone, Server: s.addr, Name: s.name, QName: z.qname, QType: dns.TypeToString[z.qtype]})
	conn, err := lk.r.socks.get(ctx, s.addr)
	if err == nil {
		if t.start, err = sendUDP(conn, t.q); err != nil {
			lk.r.socks.put(conn, false)
		}
	}
	if err != nil {
		_, _, t.err = lk.verdict(ctx, s, z.set.zone, z.qname, t.q, z.depth, nil, 0, err, nil)
		return t
	}
	t.conn = conn
	t.wait, t.rto = lk.r.servers.timeout(s.addr, lk.r.rtoCeiling())
	z.current = t
	if z.flying > 0 {
		z.timer = time.NewTimer(t.wait)
		z.listen(ctx, t)
		return nil
	}
	z.recv(ctx, t, t.start.Add(t.wait))
	if !errors.Is(t.err, errTimeout) || ctxErr(ctx) != nil {
		z.current = nil
		z.finish(ctx, t)
		return t
	}
	z.timer = time.NewTimer(0) // its RTO has passed: askZone's to tell
	z.listen(ctx, t)
	return nil
}

// listen reads t's socket in the background until t's Timeout, or until
// askZone returns, and hands t to askZone once it has landed.
func (z *zoneAsk) listen(ctx context.Context, t *try) {
	if z.cancel == nil {
		z.bg, z.cancel = context.WithCancel(ctx)
		z.results = make(chan *try, 4)
	}
	bg := z.bg
	z.flying++
	z.wg.Go(func() {
		stop := context.AfterFunc(bg, func() { _ = t.conn.SetReadDeadline(time.Now()) })
		z.recv(bg, t, t.start.Add(z.lk.r.cfg.Timeout))
		if !stop() {
			t.clean = false // its read deadline may be cut short yet
		}
		z.finish(bg, t)
		select {
		case z.results <- t:
		case <-bg.Done(): // askZone has returned
		}
	})
}

// recv reads t's socket until its answer comes, or until.
func (z *zoneAsk) recv(ctx context.Context, t *try, until time.Time) {
	lk := z.lk
	ignored := func(_ []byte, err error) {
		t.junk = true
		lk.r.emit(Event{Kind: "ignored", Depth: z.depth, Zone: z.set.zone, Server: t.s.addr, Name: t.s.name, QName: z.qname, QType: dns.TypeToString[z.qtype], Note: err.Error()})
		if errors.Is(err, errOtherQuestion) {
			t.other = err
		}
	}
	t.resp, _, t.rtt, t.err = recvUDP(ctx, t.conn, t.q, t.start, until, lk.r.cfg.Rand0x20, ignored)
	t.clean = t.err == nil && !t.junk
}

// finish gives back the socket of a try that has stopped listening (to
// the pool when clean, else to be closed) and judges its outcome,
// unless the server is to be asked again (followUp), which askZone does.
func (z *zoneAsk) finish(ctx context.Context, t *try) {
	z.lk.r.socks.put(t.conn, t.clean)
	t.resp, t.rtt, t.err = z.lk.verdict(ctx, t.s, z.set.zone, z.qname, t.q, z.depth, t.resp, t.rtt, t.err, t.other)
	if !followUp(t.q, t.resp) {
		z.judge(ctx, t)
	}
}

// judge takes what a try's exchange brought: an RTT sample from a
// response, and the verdict on it, lame (for the zone: the server is
// ranked last for it from now on) or usable. For a try listening in the
// background it runs in the try's own goroutine: the server's record is
// kept even when the try is cut short because another server has
// answered; events only while askZone listens.
func (z *zoneAsk) judge(ctx context.Context, t *try) {
	lk := z.lk
	if t.err == nil {
		lk.r.servers.rtt(t.s.addr, t.rtt)
		size := 0
		if lk.r.cfg.Events != nil { // Len packs the message again: 1.5% of a batch's CPU
			size = t.resp.Len()
		}
		ev := Event{Kind: "response", Depth: z.depth, Zone: z.set.zone, Server: t.s.addr, Name: t.s.name, QName: z.qname,
			QType: dns.TypeToString[z.qtype], RTT: t.rtt, Msg: t.resp, Size: size}
		why := usable(z.set.zone, z.qname, z.qtype, t.resp)
		if ctx.Err() == nil {
			lk.r.emit(ev)
		}
		if why != "" {
			ev.Kind, ev.Note, ev.Msg, ev.RTT, ev.Size = "lame", why, nil, 0, 0
			if ctx.Err() == nil {
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
		mark(&z.done, t.s.addr)
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
			mark(&z.done, t.s.addr)
			z.failed.count(err)
		}
	}
	return nil
}
