package icmpx

import (
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
)

// ErrWoken is Receive's error when Wake interrupted it.
var ErrWoken = errors.New("icmpx: woken")

// errPollErr is poll's report of POLLERR: the error queue has messages.
var errPollErr = errors.New("icmpx: POLLERR")

// poll waits in poll(2) up to ms milliseconds (-1: no limit) for the Sync
// Conn's socket to become ready for events, or, if wakeable, for Wake
// (ErrWoken). A timeout or a signal is no error: the caller tries again.
func (c *Conn) poll(events int16, ms int, wakeable bool) error {
	pfd := [2]unix.PollFd{{Fd: int32(c.fd), Events: events}, {Fd: int32(c.wakeFD), Events: unix.POLLIN}}
	n := 1
	if wakeable {
		n = 2
	}
	_, err := unix.Poll(pfd[:n], ms)
	switch {
	case err != nil && err != unix.EINTR:
		return err
	case pfd[0].Revents&unix.POLLERR != 0:
		return errPollErr
	case pfd[1].Revents&unix.POLLIN != 0:
		var count [8]byte
		_, _ = unix.Read(c.wakeFD, count[:])
		return ErrWoken
	}
	return nil
}

// Wake makes the Receive waiting on another goroutine return ErrWoken at
// once, or the next Receive that would wait if none does. It is the one
// call any goroutine may make on a Sync Conn: gping's loop, waiting up to
// a whole interval, hears SIGINT and SIGQUIT through it.
func (c *Conn) Wake() {
	c.wakeMu.Lock()
	defer c.wakeMu.Unlock()
	if c.wakeFD >= 0 {
		var one [8]byte // an eventfd adds the 64-bit count written
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(c.wakeFD, one[:])
	}
}
