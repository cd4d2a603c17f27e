package gping

import (
	"os"
	"time"

	"gnetutils/pkg/icmpx"
)

// handle counts what came back for t's probe and prints it.
func (r *runner) handle(t *target, ev *icmpx.Event) {
	switch ev.Kind {
	case icmpx.Reply:
		if ev.Sent.IsZero() {
			return // a reply to a sequence number we never sent
		}
		if r.cfg.userRTT {
			userTime(ev, time.Now())
		}
		t.countReply(ev)
		if r.cfg.adaptive && !ev.Dup {
			r.adapt(t)
		}
		r.p.reply(t, ev)
	case icmpx.LocalError:
		t.c.errors++
		r.p.localError(t, &icmpx.LocalErr{Err: ev.Errno, MTU: ev.MTU})
	default:
		if !ev.ICMPv6 {
			t.ack(ev.Seq) // as ping: its IPv6 errors do not count
		}
		delete(t.pending, ev.Seq)
		t.c.errors++
		r.p.icmpError(t, ev)
	}
}

// userTime times ev as read now, as ping -U does, instead of with the
// kernel's receive time.
func userTime(ev *icmpx.Event, now time.Time) {
	ev.At, ev.RTT = now, max(now.Sub(ev.Sent), 0)
}

// adapt sets the interval from t's smoothed RTT, as ping -A does
// (update_interval): rounded to the millisecond, at least 2 ms for a user;
// under half a millisecond the next probe goes as soon as the last is
// answered, and every 10 ms otherwise, as a flood.
func (r *runner) adapt(t *target) {
	iv := (t.c.ewma + 500*time.Microsecond).Truncate(time.Millisecond)
	if iv < minUserInterval && os.Getuid() != 0 {
		iv = minUserInterval
	}
	r.eager = iv == 0
	if r.eager {
		iv = 10 * time.Millisecond
	}
	r.cfg.interval = iv
}

// ack notes that probe seq was answered, as ping's acknowledge: acked is
// the newest probe answered.
func (t *target) ack(seq uint16) {
	if t.seq-seq > 0x7fff {
		return // not sent yet
	}
	if int16(seq-t.acked) > 0 || t.seq-t.acked > 0x7fff {
		t.acked = seq
	}
}

// inFlight is ping's in_flight: the probes sent after the newest one
// answered. A probe lost before it does not count: a flood goes on at
// full pace after a loss.
func (t *target) inFlight() int {
	if d := t.seq - t.acked; d <= 0x7fff {
		return int(d)
	}
	return t.sent - t.c.received - t.c.errors
}

// countReply adds a reply to t's figures.
func (t *target) countReply(ev *icmpx.Event) {
	t.ack(ev.Seq)
	delete(t.pending, ev.Seq)
	// ping's "pipe": the most probes out at once, as a reply finds
	// them (the probes sent since its own, and itself).
	if out := int(uint16(t.sent)) - int(ev.Seq) + 1; out > t.c.pipe && out <= t.sent {
		t.c.pipe = out
	}
	t.c.rtt.Add(ev.RTT)
	us := ev.RTT
	if t.c.ewma == 0 {
		t.c.ewma = us
	} else {
		t.c.ewma += (us - t.c.ewma) / 8
	}
	if ev.Dup {
		t.c.dups++
	} else {
		t.c.received++
	}
}

// expire declares lost the probes unanswered for longer than -W, where
// the printer says so (text ping says nothing unless -O): they leave
// pending, so a flood sends again.
func (r *runner) expire(now time.Time) {
	if !r.p.reportsTimeouts() {
		return
	}
	for _, t := range r.targets {
		for seq, at := range t.pending {
			if now.Sub(at) > r.cfg.timeout {
				r.p.timeout(t, seq, at)
				delete(t.pending, seq)
			}
		}
	}
}
