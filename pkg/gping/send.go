package gping

import (
	"encoding/binary"
	"time"
)

// payload is ping's probe data: a timeval of the send time in the first 16
// bytes where there is room (as iputils does), then the pattern or the
// byte sequence 0x10, 0x11, ... The buffer is the runner's, filled once
// and reused with each probe's time: Send copies what it sends.
func (r *runner) payload(now time.Time) []byte {
	if len(r.data) != r.cfg.size {
		r.data = make([]byte, r.cfg.size)
		start := 0
		if len(r.data) >= 16 {
			start = 16
		}
		for i := start; i < len(r.data); i++ {
			if len(r.cfg.pattern) > 0 {
				r.data[i] = r.cfg.pattern[(i-start)%len(r.cfg.pattern)]
			} else {
				r.data[i] = byte(i)
			}
		}
	}
	if len(r.data) >= 16 {
		binary.LittleEndian.PutUint64(r.data[0:], uint64(now.Unix()))
		binary.LittleEndian.PutUint64(r.data[8:], uint64(now.Nanosecond()/1000))
	}
	return r.data
}

// wantsToSend says whether any target still has probes to send.
func (r *runner) wantsToSend() bool {
	for _, t := range r.targets {
		if r.targetSends(t) {
			return true
		}
	}
	return false
}

func (r *runner) targetSends(t *target) bool {
	if r.cfg.count == 0 {
		return true
	}
	if r.cfg.deadline > 0 {
		return t.c.received < r.cfg.count
	}
	return t.sent < r.cfg.count
}

// finished: with -c, every target got its count of answers (replies, and
// without -w errors too, as ping counts them).
func (r *runner) finished() bool {
	if r.cfg.count == 0 {
		return false
	}
	for _, t := range r.targets {
		answered := t.c.received
		if r.cfg.deadline == 0 {
			answered += t.c.errors
		}
		if answered < r.cfg.count {
			return false
		}
	}
	return true
}

func (r *runner) sendRound() {
	for _, t := range r.targets {
		if r.targetSends(t) {
			r.send(t, time.Now())
		}
		// -l: the first round sends the whole preload.
		for t.sent < r.cfg.preload && r.targetSends(t) {
			r.send(t, time.Now())
		}
	}
}

// send sends t's next probe; now is the time it counts as sent (its
// payload's timestamp, -f's gaps), read by the caller just before.
func (r *runner) send(t *target, now time.Time) {
	if t.sent > 0 {
		if _, open := t.pending[t.seq]; open {
			r.p.unanswered(t, now)
		}
	}
	t.seq++
	if !t.lastTx.IsZero() {
		t.gaps += now.Sub(t.lastTx)
	}
	t.lastTx = now
	at, err := t.conn.Send(t.seq, r.payload(now))
	t.sent++
	t.c.transmitted++
	if err != nil {
		t.c.errors++
		r.p.localError(t, err)
		return
	}
	t.pending[t.seq] = at
	r.p.sent(t)
}
