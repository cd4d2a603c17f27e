package gtraceroute

import (
	"context"
	"time"

	"gnetutils/pkg/probes"
)

// traceConfig is the schedule of one trace.
type traceConfig struct {
	first, max int
	queries    int
	parallel   int           // probes in flight at once (-N)
	waitMax    time.Duration // -w MAX
	here, near float64       // -w ,HERE,NEAR
	sendWait   time.Duration // -z
	retry      bool          // retry a silent hop once, after ICMP rate limits refill
	retryAfter time.Duration
	// refill is how long the destination's ICMP rate limit takes to allow
	// one more answer (Linux: a second): the destination's own lost
	// queries are retried one per refill.
	refill  time.Duration
	minWait time.Duration // floor of the HERE/NEAR waits (0: defaultMinWait)
}

// probe is one query of one hop.
type probe struct {
	idx, ttl, q int
	sent        time.Time
	waitFrom    time.Time // -w MAX counts from here: the first send, kept across an in-flight retry
	inflight    bool
	done        bool // answered
	lost        bool // given up on
	retried     bool
	r           reply
	fmark       int // --mtu: the new size this probe was the first sent at (traceroute's F=NUM)
}

// hop is one resolved line.
type hop struct {
	ttl    int
	probes []*probe
}

// tracer runs the schedule over a method.
type tracer struct {
	cfg    traceConfig
	m      method
	probes []*probe
	dest   int // TTL at which the trace ends (destination or final error); max+1 until known
	sent   int
	// base offsets the probe indexes the method sees, so a late answer from
	// an earlier trace on the same socket (report cycles) never matches.
	base int
	// run's progress: the next probe to send (they are in hop-major
	// order), how many are in flight, the last hop emitted, the last send.
	next, inflight, printed int
	lastSend                time.Time
	// lastStalled is when the last stalled hop was sent again: the next
	// one waits to hear what that retry meets (stallGap).
	lastStalled time.Time
	lastSize    int // --mtu: the size of the last probe sent
}

func newTracer(cfg traceConfig, m method) *tracer {
	t := &tracer{cfg: cfg, m: m, dest: cfg.max + 1, lastSize: m.size}
	for ttl := cfg.first; ttl <= cfg.max; ttl++ {
		for q := 0; q < cfg.queries; q++ {
			t.probes = append(t.probes, &probe{idx: len(t.probes), ttl: ttl, q: q})
		}
	}
	return t
}

func (t *tracer) hopProbes(ttl int) []*probe {
	i := (ttl - t.cfg.first) * t.cfg.queries
	return t.probes[i : i+t.cfg.queries]
}

// resolved: every probe of the hop is answered or given up on, and a
// silent hop that may only have met the destination's ICMP rate limit has
// had its retry.
func (t *tracer) resolved(ttl int) bool {
	ps := t.hopProbes(ttl)
	for _, p := range ps {
		if !p.done && !p.lost {
			return false
		}
	}
	if ttl == t.dest {
		p, _ := t.destRetry()
		return p == nil
	}
	if !allLost(ps) || !t.cfg.retry || ps[0].retried {
		return true
	}
	if t.dest > t.cfg.max {
		// Not yet known where the trace ends: wait while later probes are
		// still out, they may show this hop is next to the destination.
		for _, p := range t.probes {
			if p.ttl > ttl && !p.done && !p.lost {
				return false
			}
		}
		return true
	}
	return !t.wantsRetry(ttl)
}

// wantsRetry: the hop and every hop after it up to the destination were
// silent. That is the mark of the destination's ICMP rate limit (its
// answers to the probes that reached it were dropped), not of silent
// routers, so such a hop is retried once after the limit refilled.
// Silent routers in mid-path cost no retry, and no time.
func (t *tracer) wantsRetry(ttl int) bool {
	if !t.cfg.retry || t.dest > t.cfg.max || ttl >= t.dest {
		return false
	}
	if t.hopProbes(ttl)[0].retried {
		return false
	}
	for h := ttl; h < t.dest; h++ {
		if !allLost(t.hopProbes(h)) {
			return false
		}
	}
	return true
}

// run traces and calls emit for each hop, in order, as soon as it and all
// hops before it are resolved. It returns the TTL the trace ended at
// (0 if it never reached the destination or a final error).
func (t *tracer) run(ctx context.Context, emit func(hop)) (int, error) {
	t.printed = t.cfg.first - 1
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		t.takeAnswers()
		now := time.Now()
		t.expire(now)
		if err := t.retry(now); err != nil {
			return 0, err
		}
		now, err := t.sendWindow(now)
		if err != nil {
			return 0, err
		}
		t.emitResolved(emit)
		if t.printed >= min(t.dest, t.cfg.max) {
			if t.dest <= t.cfg.max {
				return t.dest, nil
			}
			return 0, nil
		}
		timer.Reset(t.nextWake(now, t.next < len(t.probes), t.lastSend))
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case a := <-t.m.answers():
			t.take(a)
		case <-timer.C:
		}
	}
}

// take records an answer.
func (t *tracer) take(a probes.Answer) {
	if t.handle(t.m.reply(a)) {
		t.inflight--
	}
}

// takeAnswers takes in the answers already here, before anything is
// expired: on a fast path answers queue up within microseconds of their
// deadline. It takes at most a queue's worth: under a flood the queue
// never empties, and run must still get to its deadlines and to SIGINT.
func (t *tracer) takeAnswers() {
	for range cap(t.m.answers()) {
		select {
		case a := <-t.m.answers():
			t.take(a)
		default:
			return
		}
	}
}

// expire gives up the probes past their deadline.
func (t *tracer) expire(now time.Time) {
	for _, p := range t.probes {
		if p.inflight && now.After(t.deadline(p)) {
			p.inflight, p.lost = false, true
			t.inflight--
		}
	}
}

// retry sends again, once, the first probe of the hops worth it: silent
// hops next to the destination once its rate limit has refilled, and hops
// that stay unanswered while no later hop answered either, within the
// probe's own wait.
func (t *tracer) retry(now time.Time) error {
	for ttl := t.printed + 1; ttl < t.dest && ttl <= t.cfg.max; ttl++ {
		if p := t.hopProbes(ttl)[0]; t.wantsRetry(ttl) && now.Sub(p.sent) >= t.cfg.retryAfter {
			p.retried, p.lost = true, false
			if err := t.send(p, now); err != nil {
				return err
			}
			t.inflight++
		}
	}
	for ttl := t.printed + 1; ttl <= min(t.dest, t.cfg.max); ttl++ {
		p := t.stalled(ttl)
		if p == nil || now.Sub(p.sent) < t.cfg.retryAfter {
			continue
		}
		if now.Sub(t.lastStalled) < t.stallGap() {
			break
		}
		p.retried, t.lastStalled = true, now
		if err := t.resend(p, now); err != nil {
			return err
		}
	}
	if p, due := t.destRetry(); p != nil && !now.Before(due) {
		p.retried, p.lost = true, false
		if err := t.send(p, now); err != nil {
			return err
		}
		t.inflight++
	}
	return nil
}

// stallGap is how long a stalled hop's retry has to be answered before
// the next stalled hop is sent again, nearest first: the destination's
// refilled rate limit has one answer, and when the nearest retry met it
// (the destination is there) the retries past it would only take the
// tokens its other queries need. A few RTTs of the answers so far, and
// the time a loaded machine may take to read the answer.
func (t *tracer) stallGap() time.Duration {
	var rtt time.Duration
	for _, p := range t.probes {
		if p.done {
			rtt = max(rtt, p.r.rtt)
		}
	}
	return min(4*rtt+retryMinWait, t.cfg.retryAfter)
}

// destRetry is the destination's query to send again, and when: the first
// one lost, once the destination answered another. Then the loss is most
// likely the destination's ICMP rate limit (a trace run right after
// another finds its bucket empty, and its first answer went to the first
// query that met a token), so the retries go one per refill after the
// last probe sent there, each to meet a token of its own, nearest query
// first, as long as that is within -w MAX of when the query first left
// (-q 10 does not wait ten refills). An error that ends the trace (!N,
// !H) is not worth waiting for refills. nil when there is none to retry.
func (t *tracer) destRetry() (*probe, time.Time) {
	if !t.cfg.retry || t.cfg.refill <= 0 || t.dest > t.cfg.max {
		return nil, time.Time{}
	}
	var next *probe
	var last time.Time
	answered := false
	for _, p := range t.hopProbes(t.dest) {
		if p.sent.After(last) {
			last = p.sent
		}
		answered = answered || (p.done && p.r.kind == "arrived")
		if next == nil && p.lost && !p.retried {
			next = p
		}
	}
	if !answered || next == nil {
		return nil, time.Time{}
	}
	due := last.Add(t.cfg.refill)
	if due.After(next.waitFrom.Add(t.cfg.waitMax)) {
		return nil, time.Time{}
	}
	return next, due
}

// sendWindow sends what the window (-N) and the spacing (-z) allow, in
// hop-major order, as traceroute: with 16 probes in flight only the first
// few beyond the destination reach it, so its ICMP rate limit (a burst of
// 6 on Linux) is spent on the probes that count. It returns the time after
// the last send.
func (t *tracer) sendWindow(now time.Time) (time.Time, error) {
	for t.inflight < t.cfg.parallel && t.next < len(t.probes) {
		p := t.probes[t.next]
		if p.ttl > t.dest {
			t.next++ // past the destination: never sent
			continue
		}
		if t.cfg.sendWait > 0 && !t.lastSend.IsZero() && now.Sub(t.lastSend) < t.cfg.sendWait {
			break
		}
		if err := t.send(p, now); err != nil {
			return now, err
		}
		t.lastSend, now = time.Now(), time.Now()
		t.inflight++
		t.next++
	}
	return now, nil
}

// emitResolved emits the hops resolved, in order.
func (t *tracer) emitResolved(emit func(hop)) {
	for t.printed+1 <= t.dest && t.printed+1 <= t.cfg.max && t.resolved(t.printed+1) {
		t.printed++
		emit(hop{ttl: t.printed, probes: t.hopProbes(t.printed)})
	}
}

func allLost(ps []*probe) bool {
	for _, p := range ps {
		if !p.lost {
			return false
		}
	}
	return true
}

func (t *tracer) send(p *probe, now time.Time) error {
	if err := t.resend(p, now); err != nil {
		return err
	}
	p.waitFrom = p.sent
	return nil
}

// resend sends p again without restarting its -w MAX wait.
func (t *tracer) resend(p *probe, now time.Time) error {
	sent, err := t.m.send(t.base+p.idx, p.ttl)
	if err != nil {
		return err
	}
	if sent.IsZero() {
		sent = now
	}
	p.sent, p.inflight = sent, true
	t.sent++
	if t.m.size != t.lastSize {
		p.fmark, t.lastSize = t.m.size, t.m.size
	}
	return nil
}

// stalled returns the hop's first probe when it is worth sending again
// while still in flight: nothing of this hop nor of any later hop has
// answered. That is what a destination at its ICMP rate limit looks like
// (Linux: a burst of 6, then one a second): every probe that reached it,
// at its own TTL and past it, goes unanswered, the window fills with them,
// and without a retry the trace would wait out MAX and then place the
// destination wherever its next token happened to fall. A retry after the
// limit refilled meets a token at the right TTL. It keeps the probe's MAX
// deadline, so it costs no time.
func (t *tracer) stalled(ttl int) *probe {
	if !t.cfg.retry {
		return nil
	}
	ps := t.hopProbes(ttl)
	if !ps[0].inflight || ps[0].retried {
		return nil
	}
	for h := ttl; h <= min(t.dest, t.cfg.max); h++ {
		for _, p := range t.hopProbes(h) {
			if p.done {
				return nil
			}
		}
	}
	return ps[0]
}

// handle records an answer; it reports whether a probe in flight ended.
func (t *tracer) handle(r reply) bool {
	r.idx -= t.base
	if r.idx < 0 || r.idx >= len(t.probes) {
		return false
	}
	p := t.probes[r.idx]
	if p.done {
		return false
	}
	wasInflight := p.inflight
	if t.m.mtu && r.kind == "frag_needed" && r.mtu > 0 && r.mtu < t.m.size {
		// --mtu: send it again at the size the router named (-N 1:
		// nothing later has been sent).
		t.m.size, p.inflight = r.mtu, false
		t.next = min(t.next, p.idx)
		return wasInflight
	}
	p.done, p.lost, p.inflight, p.r = true, false, false, r
	if r.final && p.ttl < t.dest {
		t.dest = p.ttl
	}
	return wasInflight
}

// deadline is when a probe is given up, as traceroute's -w MAX,HERE,NEAR
// says: MAX after it left, or HERE times the RTT of an answer from its own
// hop, or NEAR times that of the nearest later hop that answered.
func (t *tracer) deadline(p *probe) time.Time {
	end := p.waitFrom.Add(t.cfg.waitMax)
	wait, floor := t.cfg.waitMax, t.minWait()
	if p.retried {
		floor = max(floor, retryMinWait)
	}
	if t.cfg.here > 0 {
		for _, o := range t.hopProbes(p.ttl) {
			if o.done {
				wait = min(wait, max(time.Duration(t.cfg.here*float64(o.r.rtt)), floor))
				break
			}
		}
	}
	if t.cfg.near > 0 {
	near:
		for ttl := p.ttl + 1; ttl <= min(t.cfg.max, t.dest); ttl++ {
			for _, o := range t.hopProbes(ttl) {
				if o.done {
					wait = min(wait, max(time.Duration(t.cfg.near*float64(o.r.rtt)), floor))
					break near
				}
			}
		}
	}
	return minTime(end, p.sent.Add(wait))
}

// defaultMinWait floors the HERE/NEAR waits: on a LAN of microsecond RTTs
// a multiple of the RTT is shorter than the time an answer takes to be
// read. One millisecond is enough where all answers come through one
// socket queue, in the order they arrived (UDP's error queue, ICMP): a
// hop's late answer was read before the later hop's that started the
// NEAR wait. TCP probes hear answers on two raw sockets read by two
// threads, which a loaded machine can set apart by more: 2 ms there.
const defaultMinWait = time.Millisecond

// retryMinWait floors the HERE/NEAR waits of a retry: it goes out alone,
// long after the answers that set them, so its answer is queued behind
// none of theirs, and a loaded machine may take more than minWait to read
// it (the destination's retried queries were given up, answered, so).
// It also spaces the stalled hops' retries (stallGap).
const retryMinWait = 50 * time.Millisecond

func (t *tracer) minWait() time.Duration {
	if t.cfg.minWait > 0 {
		return t.cfg.minWait
	}
	return defaultMinWait
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// nextWake is how long to sleep: until the next deadline, retry or send.
func (t *tracer) nextWake(now time.Time, moreToSend bool, lastSend time.Time) time.Duration {
	wake := now.Add(time.Second)
	for _, p := range t.probes {
		if p.inflight {
			wake = minTime(wake, t.deadline(p))
		}
		if p.q == 0 && (t.wantsRetry(p.ttl) || t.stalled(p.ttl) != nil) {
			wake = minTime(wake, p.sent.Add(t.cfg.retryAfter))
		}
	}
	if p, due := t.destRetry(); p != nil {
		wake = minTime(wake, due)
	}
	if !t.lastStalled.IsZero() {
		if gapEnd := t.lastStalled.Add(t.stallGap()); gapEnd.After(now) {
			wake = minTime(wake, gapEnd)
		}
	}
	if moreToSend && t.cfg.sendWait > 0 {
		wake = minTime(wake, lastSend.Add(t.cfg.sendWait))
	}
	d := wake.Sub(now)
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
}
