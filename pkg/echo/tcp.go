package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// tcpConfig configures a TCP echo server.
type tcpConfig struct {
	Addr         netip.AddrPort
	Shards       int
	MaxConns     int           // 0: no limit
	MaxPerSource int           // per IPv4 address or IPv6 /64; 0: no limit
	IdleTimeout  time.Duration // 0: none
	SendTimeout  time.Duration // longest an echo may wait for the peer to read; 0: forever
	Grace        time.Duration // at shutdown, how long connections may still be echoed
	Log          io.Writer     // one line per connection (-v); nil: quiet
}

// tcpServer is a running TCP echo server: one event loop per shard (see
// tcpShard), each with its own SO_REUSEPORT listener.
type tcpServer struct {
	cfg     tcpConfig
	shards  []*tcpShard
	addr    netip.AddrPort
	active  atomic.Int64
	refused atomic.Int64
	lost    atomic.Int64 // bytes not echoed when the grace period ended
	sources sourceCounts
	once    sync.Once
	wg      sync.WaitGroup
	logMu   sync.Mutex
}

// bufSize bounds what one connection holds: one read's worth.
const bufSize = 64 << 10

// startTCP binds the shards' listeners and starts serving.
func startTCP(_ context.Context, cfg tcpConfig) (*tcpServer, error) {
	if cfg.Shards < 1 {
		cfg.Shards = runtime.NumCPU()
	}
	s := &tcpServer{cfg: cfg, addr: cfg.Addr}
	for i := 0; i < cfg.Shards; i++ {
		sh, err := s.newShard(i)
		if err != nil {
			for _, sh := range s.shards {
				sh.closeFDs()
			}
			return nil, fmt.Errorf("listen tcp: %w", err)
		}
		s.shards = append(s.shards, sh)
	}
	for _, sh := range s.shards {
		s.wg.Add(1)
		go sh.run()
	}
	return s, nil
}

// Addr is the bound address.
func (s *tcpServer) Addr() netip.AddrPort { return s.addr }

// Stats are the per-shard counters.
func (s *tcpServer) Stats() []shardSnapshot {
	st := make([]*shardStats, len(s.shards))
	for i, sh := range s.shards {
		st[i] = &sh.stats
	}
	return snapshots(st)
}

// Active is the number of open connections.
func (s *tcpServer) Active() int64 { return s.active.Load() }

// Refused counts connections turned away by --max-conns.
func (s *tcpServer) Refused() int64 { return s.refused.Load() }

// Lost counts bytes not echoed when the grace period ended: still unread
// in the kernel, or read while the peer was not taking the echo.
func (s *tcpServer) Lost() int64 { return s.lost.Load() }

func (s *tcpServer) logf(format string, a ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, format+"\n", a...)
}

// admit takes a connection slot for peer, or says which limit refuses
// it. A compare-and-swap, so shards accepting at once cannot both take
// the last slot.
func (s *tcpServer) admit(peer netip.Addr) (refusal string) {
	for {
		n := s.active.Load()
		if s.cfg.MaxConns > 0 && n >= int64(s.cfg.MaxConns) {
			return "--max-conns"
		}
		if s.active.CompareAndSwap(n, n+1) {
			break
		}
	}
	if !s.sources.take(sourceOf(peer), s.cfg.MaxPerSource) {
		s.active.Add(-1)
		return "--max-conns-per-source"
	}
	return ""
}

// release gives back what admit took.
func (s *tcpServer) release(peer netip.Addr) {
	s.sources.give(sourceOf(peer))
	s.active.Add(-1)
}

// Shutdown stops accepting, takes in the connections already queued on
// each listener (closing a listener of a SO_REUSEPORT group would reset
// them), and gives every connection grace to finish before closing it.
func (s *tcpServer) Shutdown() {
	s.once.Do(func() {
		for _, sh := range s.shards {
			sh.wake()
		}
		s.wg.Wait()
	})
}

// tcpConn is one connection of a shard.
type tcpConn struct {
	fd     int
	peer   netip.AddrPort
	opened time.Time
	last   time.Time // last data from the peer, for --idle-timeout
	wrote  time.Time // while pending: the last write progress, for --send-timeout
	total  int64     // bytes echoed
	// pending is what was read but not yet written back because the
	// peer's receive window is full; while it is not empty the shard waits
	// for EPOLLOUT instead of reading (backpressure: the buffer never
	// holds more than one read). Its array, once made, stays for reuse.
	pending []byte
}

// tcpShard is one shard's event loop, on a goroutine locked to its OS
// thread: epoll_wait over its listener and all its connections, then for
// each ready connection one non-blocking read and the write of what it
// read, straight from the shard's buffer. A goroutine per connection
// through Go's netpoller pays, for every message, a read that finds
// nothing, a park, the netpoller's epoll_wait and a wake-up; here a busy
// shard goes from one epoll_wait to the next with two system calls per
// message and no scheduler work.
type tcpShard struct {
	srv    *tcpServer
	id     int
	stats  shardStats
	lfd    int // listening socket; -1 once closed at shutdown
	epfd   int
	wakefd int // eventfd that Shutdown writes to end the shard's wait
	conns  map[int]*tcpConn
	buf    []byte
	// acceptPausedUntil is set when accept(2) ran out of descriptors or
	// memory: the listener leaves the epoll set until then.
	acceptPausedUntil time.Time
	draining          bool      // Shutdown was asked: no listener, grace running
	graceEnd          time.Time // when draining
	bytes             int64     // echoed since the last flush into stats
}

const (
	connEvents = unix.EPOLLIN // level-triggered: one read per wake-up, no read that only finds EAGAIN
	// acceptBackoff is how long the listener rests after EMFILE and friends.
	acceptBackoff = 10 * time.Millisecond
)

func (s *tcpServer) newShard(i int) (*tcpShard, error) {
	sh := &tcpShard{srv: s, id: i, lfd: -1, epfd: -1, wakefd: -1, conns: map[int]*tcpConn{}}
	fd, bound, err := reusePortSocket(s.addr, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	// The first listener fixes the port (when 0 was asked for); the
	// others join it.
	sh.lfd, s.addr = fd, bound
	if sh.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		sh.closeFDs()
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if sh.wakefd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		sh.closeFDs()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	for _, fd := range []int{sh.lfd, sh.wakefd} {
		if err := sh.watch(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
			sh.closeFDs()
			return nil, fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	return sh, nil
}

func (sh *tcpShard) watch(op, fd int, events uint32) error {
	return unix.EpollCtl(sh.epfd, op, fd, &unix.EpollEvent{Events: events, Fd: int32(fd)})
}

// wake ends the shard's epoll_wait (from Shutdown's goroutine).
func (sh *tcpShard) wake() {
	var one = [8]byte{1}
	_, _ = unix.Write(sh.wakefd, one[:])
}

func (sh *tcpShard) closeFDs() {
	for _, fd := range []int{sh.lfd, sh.wakefd, sh.epfd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	sh.lfd, sh.wakefd, sh.epfd = -1, -1, -1
}

func (sh *tcpShard) run() {
	defer sh.srv.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer sh.closeFDs()
	sh.buf = make([]byte, bufSize)
	events := make([]unix.EpollEvent, 256)
	sweep := sh.srv.sweepEvery()
	nextSweep := time.Now().Add(sweep)
	for {
		now := time.Now()
		n, err := unix.EpollWait(sh.epfd, events, sh.waitTimeout(now, sweep > 0, nextSweep))
		if err != nil && !errors.Is(err, unix.EINTR) {
			for _, c := range sh.conns { // never seen: EBADF, EINVAL
				sh.close(c, "epoll_wait: "+err.Error(), now)
			}
			return
		}
		now = time.Now()
		sh.handle(events[:max(n, 0)], now)
		switch {
		case sh.draining && len(sh.conns) == 0:
			return
		case sh.draining && !now.Before(sh.graceEnd):
			sh.closeAtGraceEnd(now)
			return
		case !sh.draining && sweep > 0 && !now.Before(nextSweep):
			sh.sweep(now)
			nextSweep = now.Add(sweep)
		}
		if !sh.acceptPausedUntil.IsZero() && !now.Before(sh.acceptPausedUntil) && sh.lfd >= 0 {
			sh.acceptPausedUntil = time.Time{}
			_ = sh.watch(unix.EPOLL_CTL_MOD, sh.lfd, unix.EPOLLIN)
		}
	}
}

// sweepEvery is how often shards look for connections past a timeout
// (0: no timeouts): one closes between its timeout and a tenth more.
func (s *tcpServer) sweepEvery() time.Duration {
	shortest := time.Duration(0)
	for _, d := range []time.Duration{s.cfg.IdleTimeout, s.cfg.SendTimeout} {
		if d > 0 && (shortest == 0 || d < shortest) {
			shortest = d
		}
	}
	if shortest == 0 {
		return 0
	}
	return min(max(shortest/10, time.Millisecond), time.Second)
}

// sweep closes the connections idle for --idle-timeout, and resets those
// whose echo has waited --send-timeout for the peer to read: a peer that
// never reads would otherwise pin a pending buffer and its socket's
// buffers for as long as it likes.
func (sh *tcpShard) sweep(now time.Time) {
	idle, send := sh.srv.cfg.IdleTimeout, sh.srv.cfg.SendTimeout
	for _, c := range sh.conns {
		switch {
		case send > 0 && len(c.pending) > 0 && now.Sub(c.wrote) >= send:
			sh.reset(c, fmt.Sprintf("send timeout: the peer read nothing for %v", send), now)
		case idle > 0 && now.Sub(c.last) >= idle:
			sh.close(c, "idle timeout", now)
		}
	}
}

// waitTimeout is how long epoll_wait may sleep (-1: until an event): to
// the end of the grace period, the next idle sweep or the end of an
// accept pause, whichever comes first.
func (sh *tcpShard) waitTimeout(now time.Time, sweeping bool, nextSweep time.Time) int {
	timeout := -1
	switch {
	case sh.draining:
		timeout = waitMillis(sh.graceEnd.Sub(now))
	case sweeping:
		timeout = waitMillis(nextSweep.Sub(now))
	}
	if !sh.acceptPausedUntil.IsZero() {
		if t := waitMillis(sh.acceptPausedUntil.Sub(now)); timeout < 0 || t < timeout {
			timeout = t
		}
	}
	return timeout
}

// handle serves what epoll_wait reported, then adds the bytes echoed to
// the shard's counters once for the whole batch.
func (sh *tcpShard) handle(events []unix.EpollEvent, now time.Time) {
	for _, ev := range events {
		switch fd := int(ev.Fd); {
		case fd == sh.wakefd:
			sh.beginShutdown(now)
		case fd == sh.lfd:
			sh.accept(now)
		default:
			// A connection closed earlier in this batch may have
			// handed its number to one accepted since: an event meant
			// for the old one then costs the new one a read that finds
			// nothing, no more.
			if c := sh.conns[fd]; c != nil {
				sh.serve(c, now)
			}
		}
	}
	if sh.bytes > 0 {
		sh.stats.Bytes.Add(sh.bytes)
		sh.bytes = 0
	}
}

// closeAtGraceEnd closes the connections left when the grace period ends,
// counting what they had not had echoed.
func (sh *tcpShard) closeAtGraceEnd(now time.Time) {
	for _, c := range sh.conns {
		why := "shutdown grace ended"
		if left := unreadBytes(c.fd) + len(c.pending); left > 0 {
			sh.srv.lost.Add(int64(left))
			why += fmt.Sprintf(", %d bytes unread", left)
		}
		sh.close(c, why, now)
	}
}

// waitMillis is epoll_wait's timeout for d, rounded up so the loop never
// wakes just before a deadline and spins.
func waitMillis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// accept takes every connection queued on the listener.
func (sh *tcpShard) accept(now time.Time) {
	s := sh.srv
	for {
		fd, sa, err := unix.Accept4(sh.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			continue
		default: // EMFILE, ENFILE, ENOBUFS, ENOMEM: rest, then try again
			s.logf("shard %d: accept: %v", sh.id, err)
			sh.acceptPausedUntil = now.Add(acceptBackoff)
			_ = sh.watch(unix.EPOLL_CTL_MOD, sh.lfd, 0)
			return
		}
		peer := sockopt.AddrPortOf(sa)
		if why := s.admit(peer.Addr()); why != "" {
			s.refused.Add(1)
			sh.stats.Dropped.Add(1)
			s.logf("refused %s: %d connections open (%s)", peer, s.active.Load(), why)
			resetClose(fd)
			continue
		}
		sh.stats.Packets.Add(1)
		_ = sockopt.SetNoDelay(fd, true)
		c := &tcpConn{fd: fd, peer: peer, opened: now, last: now}
		if err := sh.watch(unix.EPOLL_CTL_ADD, fd, connEvents); err != nil {
			sh.conns[fd] = c
			sh.close(c, "epoll_ctl: "+err.Error(), now)
			continue
		}
		sh.conns[fd] = c
		s.logf("open %s (shard %d)", peer, sh.id)
	}
}

// serve handles a ready connection: the rest of a pending echo if there is
// one, else one read and its echo. Everything read is written back before
// the connection closes.
func (sh *tcpShard) serve(c *tcpConn, now time.Time) {
	if len(c.pending) > 0 {
		w, err := unix.Write(c.fd, c.pending)
		if w > 0 {
			c.total += int64(w)
			sh.bytes += int64(w)
			c.pending = c.pending[w:]
			c.wrote = now
		}
		switch {
		case err != nil && !errors.Is(err, unix.EAGAIN):
			sh.close(c, fmt.Sprintf("write: %v after %d bytes", err, c.total), now)
		case len(c.pending) == 0:
			c.pending = c.pending[:0:cap(c.pending)]
			_ = sh.watch(unix.EPOLL_CTL_MOD, c.fd, connEvents)
		}
		return
	}
	n, err := unix.Read(c.fd, sh.buf)
	switch {
	case n > 0:
		c.last = now
		w, err := unix.Write(c.fd, sh.buf[:n])
		w = max(w, 0)
		c.total += int64(w)
		sh.bytes += int64(w)
		switch {
		case err != nil && !errors.Is(err, unix.EAGAIN):
			sh.close(c, fmt.Sprintf("write: %v after %d bytes", err, c.total), now)
		case w < n:
			if c.pending == nil {
				c.pending = make([]byte, 0, bufSize)
				// The first stall: the peer is not reading. Its socket's
				// receive buffer, autotuned up to megabytes while we read
				// at full speed, is clamped to what we hold ourselves, or
				// a peer that never reads would fill it for the whole
				// --send-timeout (4 MB instead of 125 KB per connection,
				// measured in TestLabTCPAbuse).
				_ = unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, bufSize)
			}
			c.pending = append(c.pending[:0], sh.buf[w:n]...)
			c.wrote = now
			_ = sh.watch(unix.EPOLL_CTL_MOD, c.fd, unix.EPOLLOUT)
		}
	case n == 0:
		sh.close(c, "peer closed", now)
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
	default:
		sh.close(c, err.Error(), now)
	}
}

// close ends a connection: FIN after everything echoed, then the
// descriptor (which leaves the epoll set with it).
func (sh *tcpShard) close(c *tcpConn, why string, now time.Time) {
	_ = unix.Shutdown(c.fd, unix.SHUT_WR)
	unix.Close(c.fd)
	sh.forget(c, why, now)
}

// reset ends a connection with a RST: what its socket still holds for a
// peer that does not read is freed at once, not retransmitted for minutes.
func (sh *tcpShard) reset(c *tcpConn, why string, now time.Time) {
	resetClose(c.fd)
	sh.forget(c, why, now)
}

func (sh *tcpShard) forget(c *tcpConn, why string, now time.Time) {
	delete(sh.conns, c.fd)
	sh.srv.release(c.peer.Addr())
	sh.srv.logf("close %s: %s, %d bytes echoed in %v", c.peer, why, c.total, now.Sub(c.opened).Round(time.Millisecond))
}

// resetClose closes fd with SO_LINGER 0: a RST at once.
func resetClose(fd int) {
	_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	unix.Close(fd)
}

// beginShutdown serves what already sits in the listener's queue, closes
// the listener and starts the grace period.
func (sh *tcpShard) beginShutdown(now time.Time) {
	var v [8]byte
	_, _ = unix.Read(sh.wakefd, v[:])
	if sh.draining {
		return
	}
	sh.draining = true
	sh.graceEnd = now.Add(sh.srv.cfg.Grace)
	sh.acceptPausedUntil = time.Time{}
	sh.accept(now)
	unix.Close(sh.lfd)
	sh.lfd = -1
}

// unreadBytes is what sits in a connection's receive queue (FIONREAD).
func unreadBytes(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
	if err != nil {
		return 0
	}
	return n
}
