package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// TCPConfig configures a TCP echo server.
type TCPConfig struct {
	Addr        netip.AddrPort
	Shards      int
	MaxConns    int           // 0: no limit
	IdleTimeout time.Duration // 0: none
	Grace       time.Duration // at shutdown, how long connections may still be echoed
	Log         io.Writer     // one line per connection (-v); nil: quiet
}

// TCPServer is a running TCP echo server.
type TCPServer struct {
	cfg       TCPConfig
	listeners []*net.TCPListener
	stats     []*ShardStats
	addr      netip.AddrPort
	active    atomic.Int64
	refused   atomic.Int64
	stopping  atomic.Bool
	lnWG      sync.WaitGroup
	connWG    sync.WaitGroup
	mu        sync.Mutex
	conns     map[*net.TCPConn]struct{}
	logMu     sync.Mutex
	lost      atomic.Int64 // bytes left unread at close after the grace period
}

// bufSize bounds what one connection holds: one read's worth.
const bufSize = 64 << 10

// StartTCP binds the shards' listeners and starts serving.
func StartTCP(ctx context.Context, cfg TCPConfig) (*TCPServer, error) {
	if cfg.Shards < 1 {
		cfg.Shards = runtime.NumCPU()
	}
	s := &TCPServer{cfg: cfg, conns: map[*net.TCPConn]struct{}{}}
	addr := net.TCPAddrFromAddrPort(cfg.Addr).String()
	for i := 0; i < cfg.Shards; i++ {
		l, err := listenReusePort(ctx, "tcp", addr)
		if err != nil {
			for _, ln := range s.listeners {
				ln.Close()
			}
			return nil, fmt.Errorf("listen tcp %s: %w", addr, err)
		}
		ln := l.(*net.TCPListener)
		if i == 0 {
			s.addr = ln.Addr().(*net.TCPAddr).AddrPort()
			addr = net.TCPAddrFromAddrPort(s.addr).String()
		}
		s.listeners = append(s.listeners, ln)
		s.stats = append(s.stats, &ShardStats{})
	}
	for i := range s.listeners {
		s.lnWG.Add(1)
		go s.accept(i)
	}
	return s, nil
}

// Addr is the bound address.
func (s *TCPServer) Addr() netip.AddrPort { return s.addr }

// Stats are the per-shard counters.
func (s *TCPServer) Stats() []Snapshot { return snapshot(s.stats) }

// Active is the number of open connections.
func (s *TCPServer) Active() int64 { return s.active.Load() }

func (s *TCPServer) logf(format string, a ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, format+"\n", a...)
}

func (s *TCPServer) accept(i int) {
	defer s.lnWG.Done()
	ln := s.listeners[i]
	for {
		c, err := ln.AcceptTCP()
		if err != nil {
			if s.stopping.Load() {
				return // the deadline set by Shutdown: the queue is empty
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and friends: back off
			continue
		}
		if s.cfg.MaxConns > 0 && s.active.Load() >= int64(s.cfg.MaxConns) {
			s.refused.Add(1)
			s.stats[i].Dropped.Add(1)
			s.logf("refused %s: %d connections open (--max-conns)", c.RemoteAddr(), s.active.Load())
			c.SetLinger(0)
			c.Close()
			continue
		}
		s.active.Add(1)
		s.stats[i].Packets.Add(1)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.connWG.Add(1)
		go s.serve(i, c)
	}
}

// serve echoes one connection until the peer closes, it idles out, or
// shutdown's grace ends. Everything read is written back before close.
func (s *TCPServer) serve(i int, c *net.TCPConn) {
	defer s.connWG.Done()
	defer s.active.Add(-1)
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	start := time.Now()
	_ = c.SetNoDelay(true)
	s.logf("open %s (shard %d)", c.RemoteAddr(), i)
	buf := make([]byte, bufSize)
	var total int64
	for {
		if s.cfg.IdleTimeout > 0 && !s.stopping.Load() {
			_ = c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		}
		n, rerr := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				s.logf("close %s: write: %v after %d bytes", c.RemoteAddr(), werr, total)
				c.Close()
				return
			}
			total += int64(n)
			s.stats[i].Bytes.Add(int64(n))
		}
		if rerr != nil {
			why := "peer closed"
			if errors.Is(rerr, os.ErrDeadlineExceeded) {
				why = "idle timeout"
				if s.stopping.Load() {
					why = "shutdown grace ended"
					if left := unreadBytes(c); left > 0 {
						s.lost.Add(int64(left))
						why += fmt.Sprintf(", %d bytes unread", left)
					}
				}
			} else if !errors.Is(rerr, io.EOF) {
				why = rerr.Error()
			}
			_ = c.CloseWrite()
			c.Close()
			s.logf("close %s: %s, %d bytes echoed in %v", c.RemoteAddr(), why, total, time.Since(start).Round(time.Millisecond))
			return
		}
	}
}

// unreadBytes is what sits in the connection's receive queue (FIONREAD).
func unreadBytes(c *net.TCPConn) int {
	n := 0
	_ = sockopt.Control(c, func(fd int) error {
		var err error
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n
}

// Shutdown stops accepting, takes in the connections already queued on
// each listener (closing a listener of a SO_REUSEPORT group would reset
// them), and gives every connection grace to finish before closing it.
func (s *TCPServer) Shutdown() {
	s.stopping.Store(true)
	for _, ln := range s.listeners {
		_ = ln.SetDeadline(time.Now())
	}
	s.lnWG.Wait()
	for i, ln := range s.listeners {
		for _, c := range drainQueue(ln) {
			s.active.Add(1)
			s.stats[i].Packets.Add(1)
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.connWG.Add(1)
			go s.serve(i, c)
		}
		ln.Close()
	}
	deadline := time.Now().Add(s.cfg.Grace)
	s.mu.Lock()
	for c := range s.conns {
		_ = c.SetReadDeadline(deadline)
	}
	s.mu.Unlock()
	s.connWG.Wait()
}

// drainQueue accepts what already sits in a listener's queue. Go's Accept
// would not: with the deadline passed it returns before calling accept(2).
func drainQueue(ln *net.TCPListener) []*net.TCPConn {
	var out []*net.TCPConn
	_ = sockopt.Control(ln, func(fd int) error {
		for {
			nfd, _, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if err != nil {
				return nil
			}
			f := os.NewFile(uintptr(nfd), "tcp")
			c, err := net.FileConn(f)
			f.Close()
			if tc, ok := c.(*net.TCPConn); ok && err == nil {
				out = append(out, tc)
			}
		}
	})
	return out
}

// Refused counts connections turned away by --max-conns.
func (s *TCPServer) Refused() int64 { return s.refused.Load() }

// Lost counts bytes that were still unread when the grace period ended.
func (s *TCPServer) Lost() int64 { return s.lost.Load() }
