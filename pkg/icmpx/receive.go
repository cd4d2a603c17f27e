package icmpx

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// receive reads replies and errors until the socket is closed. It reads
// at most a batch per wake-up and never blocks on the events channel: a
// flood is read and dropped (Drops counts what the reader had no room
// for), so Close and the reader are never kept waiting.
func (c *Conn) receive() {
	defer close(c.done)
	defer func() {
		if c.ownEvents {
			close(c.events)
		}
	}()
	rx := sockopt.NewReceiver(65536)
	for {
		var evs []Event
		err := c.rc.Read(func(fd uintptr) bool {
			evs = c.drainErrQueue(int(fd), rx, evs)
			for i := 0; i < queue.Batch; i++ {
				n, anc, from, err := rx.Read(int(fd), 0)
				if err != nil {
					return len(evs) > 0
				}
				if ev, ok := c.fromPacket(rx.Buf[:n], anc, from.Addr()); ok {
					evs = append(evs, ev)
				}
			}
			return true // a whole batch read: hand it over, then read on
		})
		for _, ev := range evs {
			ev.Dst = c.dst
			queue.Offer(c.events, ev, &c.drops)
		}
		select {
		case <-c.closing:
			return
		default:
		}
		if err != nil {
			return
		}
	}
}

// Drops is how many events the receiving goroutine dropped because the
// events channel was full.
func (c *Conn) Drops() uint64 { return c.drops.Count() }

// drainErrQueue reads the socket's error queue (POLLERR wakes a reader as
// readable too), a batch at most, and appends the events that concern our
// probes. What a flood leaves there keeps POLLERR up for the next call.
func (c *Conn) drainErrQueue(fd int, rx *sockopt.Receiver, evs []Event) []Event {
	c.errq.Lock()
	defer c.errq.Unlock()
	for range queue.Batch {
		n, anc, dst, err := rx.Read(fd, unix.MSG_ERRQUEUE)
		if err != nil {
			return evs
		}
		if ev, ok := c.fromErrQueue(rx.Buf[:n], anc, dst.Addr()); ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

// between is Receive's look up from a flood of messages that are not
// ours, which keeps the socket readable and poll unneeded: the deadline,
// Wake and the error queue still count.
func (c *Conn) between(deadline time.Time) error {
	if !time.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	switch err := c.poll(0, 0, true); err {
	case errPollErr:
		c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
	case ErrWoken:
		return err
	}
	return nil
}

// Receive waits until deadline for the next event (Sync mode only);
// os.ErrDeadlineExceeded when none came, ErrWoken when Wake cut the wait
// short. It reads as ping does: a non-blocking recvmsg first, which in a
// flood finds the reply already there; poll(2) on this goroutine's thread
// only when nothing is; the error queue only when the kernel flags an
// error (a recvmsg that fails with the socket's pending error, or
// POLLERR). No goroutine hand-over, no Go network poller, one syscall per
// reply.
func (c *Conn) Receive(deadline time.Time) (Event, error) {
	if c.rx == nil {
		return Event{}, errors.New("icmpx: Receive needs Config.Sync")
	}
	if c.fd < 0 {
		return Event{}, os.ErrClosed
	}
	for skipped := 1; ; {
		if len(c.queued) > 0 {
			ev := c.queued[0]
			c.queued = c.queued[1:]
			ev.Dst = c.dst
			return ev, nil
		}
		n, anc, from, err := c.rx.Read(c.fd, 0)
		if err == nil {
			if ev, ok := c.fromPacket(c.rx.Buf[:n], anc, from.Addr()); ok {
				ev.Dst = c.dst
				return ev, nil
			}
			if skipped++; skipped%queue.Batch == 0 {
				if err := c.between(deadline); err != nil {
					return Event{}, err
				}
			}
			continue
		}
		if err != unix.EAGAIN {
			// The pending error an ICMP error left on the socket (recvmsg
			// returns and clears it): the message itself is on the error
			// queue. Anything else waits in poll below, which returns at
			// once if there is more to read.
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
			if len(c.queued) > 0 {
				continue
			}
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return Event{}, os.ErrDeadlineExceeded
		}
		ms := int((wait + time.Millisecond - 1) / time.Millisecond)
		if err := c.poll(unix.POLLIN, ms, true); err == errPollErr {
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
		} else if err != nil {
			return Event{}, err
		}
	}
}
