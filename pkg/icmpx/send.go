package icmpx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// LocalErr is Send's error when the local stack refused the probe.
type LocalErr struct {
	Err error
	MTU int // for EMSGSIZE: the MTU the kernel holds for the route
}

func (e *LocalErr) Error() string {
	if e.MTU > 0 {
		return fmt.Sprintf("local error: %v, mtu=%d", e.Err, e.MTU)
	}
	return fmt.Sprintf("local error: %v", e.Err)
}

func (e *LocalErr) Unwrap() error { return e.Err }

// Send sends one echo request with the given sequence number and payload,
// the Conn's cookie written into it at Config.CookieAt, and returns when it
// left.
func (c *Conn) Send(seq uint16, payload []byte) (time.Time, error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	b, at := c.prepare(seq, payload)
	var sendErr, werr error
	// A refusal may be an earlier (or forged) ICMP error's errno, left
	// pending on the socket: send again (sockopt.PendingErrorRetries). A
	// refusal of this probe's own comes back every time.
	for try := 0; try <= sockopt.PendingErrorRetries && (try == 0 || sockopt.IsPendingErrno(sendErr)) && werr == nil; try++ {
		if c.rx != nil {
			sendErr, werr = c.sendSync(b)
		} else {
			sendErr, werr = c.sendAsync(b)
		}
	}
	if werr != nil {
		return at, werr
	}
	if sendErr != nil {
		le := &LocalErr{Err: sendErr}
		if errors.Is(sendErr, unix.EMSGSIZE) {
			le.MTU = c.localMTU()
		}
		return at, le
	}
	return at, nil
}

// prepare builds the echo request and records the probe (sendMu held).
// The send time is taken before the packet leaves: on loopback or a fast
// link the reply can be in before sendto returns.
func (c *Conn) prepare(seq uint16, payload []byte) ([]byte, time.Time) {
	b := c.echoRequest(seq, payload)
	at := time.Now()
	c.mu.Lock()
	c.probes.put(seq, at, b[icmpHeaderLen:], c.seed)
	c.mu.Unlock()
	return b, at
}

// sendSync sends b straight to sendto(2) on the Sync Conn's descriptor;
// only a full socket buffer (EAGAIN) waits, in poll(2). sendErr is the
// kernel's refusal, err a failure to wait.
func (c *Conn) sendSync(b []byte) (sendErr, err error) {
	if c.fd < 0 {
		return nil, os.ErrClosed
	}
	sendErr = c.sendto(c.fd, b)
	for sendErr == unix.EAGAIN {
		if err := c.poll(unix.POLLOUT, -1, false); err == errPollErr {
			// Errors wait on the queue while the socket is full: read
			// them now, Receive hands them out.
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
		} else if err != nil {
			return nil, err
		}
		sendErr = c.sendto(c.fd, b)
	}
	return sendErr, nil
}

// sendAsync is sendSync where a receiving goroutine shares the socket:
// through Control, and a full buffer waits in the network poller.
func (c *Conn) sendAsync(b []byte) (sendErr, err error) {
	err = sockopt.Control(c.rc, func(fd int) error {
		sendErr = c.sendto(fd, b)
		return nil
	})
	if err == nil && sendErr == unix.EAGAIN {
		err = c.rc.Write(func(fd uintptr) bool {
			sendErr = c.sendto(int(fd), b)
			return sendErr != unix.EAGAIN
		})
	}
	return sendErr, err
}

// echoRequest builds the echo request, cookie and all, in the Conn's send
// buffer (sendMu held). IPv4's checksum is ours to fill in; ICMPv6's is the kernel's (it
// knows the pseudo-header).
func (c *Conn) echoRequest(seq uint16, payload []byte) []byte {
	if c.ni != nil {
		return c.niQuery(seq)
	}
	n := icmpHeaderLen + len(payload)
	if cap(c.out) < n {
		c.out = make([]byte, n)
	}
	b := c.out[:n]
	b[0], b[1], b[2], b[3] = v4EchoRequest, 0, 0, 0
	if c.v6 {
		b[0] = v6EchoRequest
	}
	binary.BigEndian.PutUint16(b[4:], c.id)
	binary.BigEndian.PutUint16(b[6:], seq)
	copy(b[icmpHeaderLen:], payload)
	c.putCookie(b[icmpHeaderLen:])
	if !c.v6 {
		binary.BigEndian.PutUint16(b[2:], sockopt.Checksum(b))
	}
	return b
}

// localMTU reads the local error the kernel queued with an EMSGSIZE: its
// ee_info is the MTU that refused the probe.
func (c *Conn) localMTU() int {
	mtu := 0
	c.errq.Lock()
	defer c.errq.Unlock()
	rx := sockopt.NewReceiver(512)
	// Control, not Read: the receiver may be parked in Read holding the
	// read lock until the next packet.
	_ = sockopt.Control(c.rc, func(fd int) error {
		for {
			_, anc, _, err := rx.Read(fd, unix.MSG_ERRQUEUE)
			if err != nil {
				return nil
			}
			if anc.Err != nil && anc.Err.Origin == unix.SO_EE_ORIGIN_LOCAL && anc.Err.Errno == unix.EMSGSIZE {
				mtu = int(anc.Err.Info)
			}
		}
	})
	if mtu == 0 {
		mtu = int(c.lastLocalMTU.Load())
	}
	return mtu
}
