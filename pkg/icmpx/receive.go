package icmpx

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// receive reads replies and errors until the socket is closed.
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
			for {
				n, anc, from, err := rx.Read(int(fd), 0)
				if err != nil {
					break
				}
				if ev, ok := c.fromPacket(rx.Buf[:n], anc, from.Addr()); ok {
					evs = append(evs, ev)
				}
			}
			return len(evs) > 0
		})
		for _, ev := range evs {
			ev.Dst = c.dst
			select {
			case c.events <- ev:
			case <-c.closing:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drainErrQueue reads everything on the socket's error queue (POLLERR
// wakes a reader as readable too) and appends the events that concern our
// probes.
func (c *Conn) drainErrQueue(fd int, rx *sockopt.Receiver, evs []Event) []Event {
	c.errq.Lock()
	defer c.errq.Unlock()
	for {
		n, anc, dst, err := rx.Read(fd, unix.MSG_ERRQUEUE)
		if err != nil {
			return evs
		}
		if ev, ok := c.fromErrQueue(rx.Buf[:n], anc, dst.Addr()); ok {
			evs = append(evs, ev)
		}
	}
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
	for {
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
