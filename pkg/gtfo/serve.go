package gtfo

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
	"gnetutils/pkg/sockopt"
)

var serveCommand = cli.Command{
	Name:     "gtfo",
	Synopsis: "serve [-l ADDR:PORT] [-q QLEN] [-s SIZE] [--max-conns N] [--json]",
	Summary: `A TCP server with TCP Fast Open. Each request gets a response of SIZE bytes:
a request that starts like HTTP/1.1 gets a minimal HTTP/1.1 response (so curl
works; GET /N asks for N bytes, ?split sends head and body in two writes with
Nagle on), anything else gets SIZE raw bytes per read. One line per connection
says whether its request arrived in the SYN (TCP_INFO: TCPI_OPT_SYN_DATA).`,
	Extra: `The kernel accepts data in a SYN only when net.ipv4.tcp_fastopen has the
server bit (0x2): sysctl -w net.ipv4.tcp_fastopen=3.

Safe to expose as nginx is: bodies stream from one shared buffer (a
connection holds at most 64 KiB whatever N it asks for), a write that makes
no progress for --send-timeout seconds ends its connection, and connections
beyond --max-conns are reset at once.`,
}

// serveConfig is a checked command line of gtfo serve.
type serveConfig struct {
	listen   string
	qlen     int // TCP_FASTOPEN queue; 0: no TFO
	size     int
	idle     time.Duration
	send     time.Duration // --send-timeout: longest a write may make no progress
	maxConns int
	json     bool
}

// defaultMaxConns is nginx's default worker_connections: a server for
// measurements needs no more, and each connection is a goroutine.
const defaultMaxConns = 512

// parseServeArgs turns args into a serveConfig; done says runServe must
// return code (after --help or a refusal, already printed).
func parseServeArgs(args []string, stdout, stderr io.Writer) (cfg serveConfig, done bool, code int) {
	var common cli.Common
	var idle, send float64
	fs := serveCommand.NewFlagSet(&common)
	fs.StringVarP(&cfg.listen, "listen", "l", ":8080", "listen on ADDR:PORT")
	fs.IntVarP(&cfg.qlen, "fastopen-queue", "q", 256, "TCP_FASTOPEN queue length: pending connections whose SYN carried data (0: no TFO)")
	fs.IntVarP(&cfg.size, "size", "s", 100, "response body size in bytes")
	fs.Float64Var(&idle, "idle", 30, "close a connection idle for this many seconds")
	fs.Float64Var(&send, "send-timeout", 60, "close a connection whose writes make no progress for this many seconds (nginx's send_timeout)")
	fs.IntVar(&cfg.maxConns, "max-conns", defaultMaxConns, "reset connections beyond this many open at once")
	if done, code := serveCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return cfg, true, code
	}
	if fs.NArg() > 0 {
		return cfg, true, serveCommand.Fail(stderr, cli.ExitUsage, "serve: unexpected argument %q", fs.Arg(0))
	}
	if cfg.size < 0 || cfg.size > maxBodyBytes || cfg.qlen < 0 || idle <= 0 {
		return cfg, true, serveCommand.Fail(stderr, cli.ExitUsage, "serve: --size must be 0..%d, --fastopen-queue >= 0, --idle > 0", maxBodyBytes)
	}
	if send <= 0 || cfg.maxConns < 1 {
		return cfg, true, serveCommand.Fail(stderr, cli.ExitUsage, "serve: --send-timeout must be > 0, --max-conns >= 1")
	}
	if _, _, err := net.SplitHostPort(cfg.listen); err != nil {
		return cfg, true, serveCommand.Fail(stderr, cli.ExitUsage, "serve: -l %q: want ADDR:PORT (e.g. :8080 or [::1]:8080)", cfg.listen)
	}
	cfg.idle, cfg.send, cfg.json = seconds(idle), seconds(send), common.JSON
	return cfg, false, 0
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, done, code := parseServeArgs(args, stdout, stderr)
	if done {
		return code
	}
	if v, err := readFastOpenSysctl(); err != nil {
		cli.Errorf(stderr, "gtfo", "cannot read net.ipv4.tcp_fastopen: %v", err)
	} else if msg := missingBit(v, tfoServerBit); msg != "" && cfg.qlen > 0 {
		cli.Errorf(stderr, "gtfo", "%s", msg)
	}
	var lc net.ListenConfig
	if cfg.qlen > 0 {
		lc.Control = sockopt.ControlFunc(func(fd int) error { return sockopt.SetFastOpen(fd, cfg.qlen) })
	}
	ln, err := lc.Listen(ctx, "tcp", cfg.listen)
	if err != nil {
		return serveCommand.Fail(stderr, cli.ExitFail, "serve: %v", describe(err))
	}
	s := &server{cfg: cfg, p: newPrinter(cfg.json, stdout, stderr)}
	before, _ := kstat.Read()
	s.p.listening(listenEvent{"listen", ln.Addr().String(), cfg.qlen, cfg.size})
	s.acceptAll(ctx, ln, stderr)
	after, _ := kstat.Read()
	s.p.served(serveSummary{"summary", s.conns.Load(), s.synConns.Load(), after.Delta(before).WithPrefix(counterPrefixes...), s.refused.Load()})
	return cli.ExitOK
}

type server struct {
	cfg      serveConfig
	p        printer
	conns    atomic.Int64
	synConns atomic.Int64
	refused  atomic.Int64 // reset beyond --max-conns
}

// acceptAll serves every connection, each on its own goroutine, until ctx
// ends; then it closes them all and waits for their lines.
func (s *server) acceptAll(ctx context.Context, ln net.Listener, stderr io.Writer) {
	var wg sync.WaitGroup
	open := &connSet{open: map[net.Conn]struct{}{}, max: s.cfg.maxConns}
	go func() {
		<-ctx.Done()
		ln.Close()
		open.closeAll()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			cli.Errorf(stderr, "gtfo", "accept: %v", err)
			break
		}
		if !open.add(conn) {
			if ctx.Err() == nil {
				s.refused.Add(1)
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(conn)
			open.remove(conn)
		}()
	}
	wg.Wait()
}

// connSet is the open connections, which shutdown closes. Accept can
// return a connection after closeAll has run (the listener closing under
// it): add closes that one itself, or it would hold shutdown until its
// idle timeout.
type connSet struct {
	mu     sync.Mutex
	open   map[net.Conn]struct{}
	max    int
	closed bool
}

// add takes conn in, or closes it: at shutdown, or with a reset when
// max connections are open already (nginx's manner when
// worker_connections run out).
func (cs *connSet) add(conn net.Conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case cs.closed:
		conn.Close()
		return false
	case len(cs.open) >= cs.max:
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		conn.Close()
		return false
	}
	cs.open[conn] = struct{}{}
	return true
}

func (cs *connSet) remove(conn net.Conn) {
	cs.mu.Lock()
	delete(cs.open, conn)
	cs.mu.Unlock()
}

func (cs *connSet) closeAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for c := range cs.open {
		c.Close()
	}
}
