package gping

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

// runner pings its targets and reports through its printer.
type runner struct {
	cfg     runConfig
	targets []*target
	events  chan icmpx.Event // every target's events (with more than one)
	p       printer
	stderr  io.Writer
	data    []byte // the payload being sent
	// eager: ping's interval is 0 (-f without -i, -A once the round trip
	// is under half a millisecond): the next probe goes as soon as fewer
	// than -l are in flight (target.inFlight), else cfg.interval after the
	// last.
	eager bool
}

// housekeepingEvery is how often --json declares probes lost (-W).
const housekeepingEvery = 100 * time.Millisecond

// spinWithin is iputils ping's "very short timeout", 1000/HZ ms with
// sysconf(_SC_CLK_TCK) = 100: a wait up to this long it spins through
// rather than sleeps (ping_common.c, main_loop), and so does runner.one.
const spinWithin = 10 * time.Millisecond

// yieldCPU is sched_yield(2), what ping calls in each round of its spin:
// other threads may run, but this one stays ready and its CPU awake.
func yieldCPU() { _, _, _ = syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }

func (r *runner) run(ctx context.Context) int {
	for _, t := range r.targets {
		r.p.header(t)
	}
	if r.cfg.tooFast != nil {
		return command.Fail(r.stderr, cli.ExitUsage, "%v", r.cfg.tooFast)
	}
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	defer signal.Stop(quit)
	if len(r.targets) == 1 {
		return r.one(ctx, quit)
	}
	return r.many(ctx, quit)
}

// interim is what SIGQUIT prints: ping's figures so far, on stderr.
func (r *runner) interim(t *target) {
	fmt.Fprintf(r.stderr, "%s\n", statusLine(&t.c))
}

// many pings several targets at once: a round of probes every interval,
// every target's replies through one channel.
func (r *runner) many(ctx context.Context, quit chan os.Signal) int {
	// By Conn, not by address: a host named twice is two targets.
	byConn := map[*icmpx.Conn]*target{}
	for _, t := range r.targets {
		byConn[t.conn] = t
	}
	start := time.Now()
	var deadline <-chan time.Time
	if r.cfg.deadline > 0 {
		dt := time.NewTimer(r.cfg.deadline)
		defer dt.Stop()
		deadline = dt.C
	}
	sendTimer := time.NewTimer(0)
	defer sendTimer.Stop()
	var linger <-chan time.Time
	housekeeping := time.NewTicker(housekeepingEvery)
	defer housekeeping.Stop()
	for !r.finished() {
		select {
		case <-ctx.Done():
			return r.finish(time.Since(start))
		case <-deadline:
			return r.finish(time.Since(start))
		case <-linger:
			return r.finish(time.Since(start))
		case <-quit:
			for _, t := range r.targets {
				r.interim(t)
			}
		case <-housekeeping.C:
			r.expire(time.Now())
		case ev := <-r.events:
			if t := byConn[ev.Conn]; t != nil {
				r.handle(t, &ev)
				// Flood: the next probe goes out as soon as the last is
				// answered (and at least every interval otherwise).
				if r.eager && ev.Kind == icmpx.Reply && !ev.Dup && r.targetSends(t) && t.inFlight() < r.cfg.preload {
					r.send(t, time.Now())
				}
			}
		case <-sendTimer.C:
			r.sendRound()
			if r.wantsToSend() {
				sendTimer.Reset(r.cfg.interval)
			} else if linger == nil {
				linger = time.After(r.lingerAfterLast(r.targets...))
			}
		}
	}
	return r.finish(time.Since(start))
}

// one pings a single target with ping's own loop: a probe leaves when the
// interval is up (-f: also as soon as the last one is answered), and in
// between this goroutine waits for replies in poll(2) (icmpx's Sync
// mode). A round trip then costs one sendto and one recvmsg, and no other
// thread wakes: through a receiving goroutine, a channel and timers, each
// probe woke a second runtime thread just before its sendto, which showed
// in the RTTs measured.
func (r *runner) one(ctx context.Context, quit chan os.Signal) int {
	t := r.targets[0]
	asked, stop := wakeOnSignals(ctx, quit, t.conn)
	defer stop()
	start := time.Now()
	var deadline, lingerUntil time.Time
	if r.cfg.deadline > 0 {
		deadline = start.Add(r.cfg.deadline)
	}
	housekeeping := start.Add(housekeepingEvery)
	for !r.finished() && ctx.Err() == nil {
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			break
		}
		select {
		case <-asked:
			r.interim(t)
		default:
		}
		if r.p.reportsTimeouts() && !now.Before(housekeeping) {
			r.expire(now)
			housekeeping = now.Add(housekeepingEvery)
		}
		wait, more := r.sendDue(t, now, &lingerUntil)
		if !more {
			break
		}
		if !deadline.IsZero() && deadline.Before(wait) {
			wait = deadline
		}
		if r.p.reportsTimeouts() && housekeeping.Before(wait) {
			wait = housekeeping
		}
		if _, inFlight := t.pending[t.seq]; !inFlight && wait.Sub(now) <= spinWithin {
			// As ping: a wait this short is below what the scheduler
			// times well, so with nothing to wait for, spin: yield the
			// CPU, look at the socket without waiting, and go round.
			yieldCPU()
			wait = now
		}
		ev, err := t.conn.Receive(wait)
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, icmpx.ErrWoken) {
			continue
		}
		if err != nil {
			break
		}
		r.handle(t, &ev)
	}
	return r.finish(time.Since(start))
}

// wakeOnSignals wakes conn's wait for SIGINT (ctx) and SIGQUIT, which must
// not wait for the interval to end; asked says that SIGQUIT came. stop
// ends the watch.
func wakeOnSignals(ctx context.Context, quit chan os.Signal, conn *icmpx.Conn) (asked <-chan struct{}, stop func()) {
	interim := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-quit:
				select {
				case interim <- struct{}{}:
				default:
				}
				conn.Wake()
			case <-ctx.Done():
				conn.Wake()
				return
			case <-done:
				return
			}
		}
	}()
	return interim, func() { close(done) }
}

// sendDue sends t's probes that are due at now (-l: the whole preload at
// once) and says until when to wait for replies; more false: the last
// probe's linger is over. lingerUntil is the end of that linger, once
// known.
func (r *runner) sendDue(t *target, now time.Time, lingerUntil *time.Time) (wait time.Time, more bool) {
	if !r.targetSends(t) {
		if lingerUntil.IsZero() {
			*lingerUntil = now.Add(r.lingerAfterLast(t))
		}
		return *lingerUntil, now.Before(*lingerUntil)
	}
	if t.sent == 0 || !now.Before(t.lastTx.Add(r.cfg.interval)) || (r.eager && t.inFlight() < r.cfg.preload) {
		r.send(t, now)
		// -l: the rest of the preload goes out at once, before any
		// reply is read, as ping sends it.
		for t.sent < r.cfg.preload && r.targetSends(t) {
			r.send(t, time.Now())
		}
	}
	if !r.targetSends(t) {
		*lingerUntil = t.lastTx.Add(r.lingerAfterLast(t))
		return *lingerUntil, true
	}
	return t.lastTx.Add(r.cfg.interval), true
}

// lingerAfterLast is how long ping waits for replies once its last probe
// has left (__schedule_exit), decided then: -W while nothing has come
// back; else twice the longest round trip it timed, at least its interval
// (which is 0 when it sends on each reply). With several targets, the
// longest of theirs.
func (r *runner) lingerAfterLast(targets ...*target) time.Duration {
	var linger time.Duration
	for _, t := range targets {
		if t.c.received == 0 {
			return r.cfg.timeout
		}
		var tmax time.Duration
		if !t.c.untimed {
			tmax = t.c.rtt.Max()
		}
		iv := r.cfg.interval
		if r.eager {
			iv = 0
		}
		linger = max(linger, 2*tmax, iv)
	}
	return linger
}

// finish prints the summaries and says the exit code.
func (r *runner) finish(elapsed time.Duration) int {
	code := cli.ExitOK
	for _, t := range r.targets {
		t.c.elapsed = elapsed
		if t.c.received == 0 || (r.cfg.deadline > 0 && r.cfg.count > 0 && t.c.received < r.cfg.count) {
			code = cli.ExitFail
		}
		if t.sent > 1 {
			t.c.ipg = t.gaps / time.Duration(t.sent-1)
		}
		for seq, at := range t.pending {
			r.p.timeout(t, seq, at)
		}
		r.p.summary(t)
	}
	return code
}
