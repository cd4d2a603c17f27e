package gtfo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	Synopsis: "serve [-l ADDR:PORT] [-q QLEN] [-s SIZE] [--json]",
	Summary: `A TCP server with TCP Fast Open. Each request gets a response of SIZE bytes:
a request that starts like HTTP/1.1 gets a minimal HTTP/1.1 response (so curl
works; GET /N asks for N bytes, ?split sends head and body in two writes with
Nagle on), anything else gets SIZE raw bytes per read. One line per connection
says whether its request arrived in the SYN (TCP_INFO: TCPI_OPT_SYN_DATA).`,
	Extra: `The kernel accepts data in a SYN only when net.ipv4.tcp_fastopen has the
server bit (0x2): sysctl -w net.ipv4.tcp_fastopen=3.`,
}

type serveFlags struct {
	listen string
	qlen   int
	size   int
	idle   float64
}

// connReport is the per-connection line of gtfo serve.
type connReport struct {
	Type       string  `json:"type"` // "conn"
	Addr       string  `json:"addr"`
	SynData    bool    `json:"syn_data"`
	SynBytes   uint64  `json:"syn_bytes,omitempty"` // bytes received by accept when the SYN carried data
	Proto      string  `json:"proto"`               // "http" or "raw"
	Requests   int     `json:"requests"`
	BytesIn    int64   `json:"bytes_in"`
	BytesOut   int64   `json:"bytes_out"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
	Time       string  `json:"time"`
}

type server struct {
	flags    serveFlags
	lines    *cli.Lines
	json     *cli.NDJSON
	stderr   io.Writer
	conns    atomic.Int64
	synConns atomic.Int64
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var common cli.Common
	var f serveFlags
	fs := serveCommand.NewFlagSet(&common)
	fs.StringVarP(&f.listen, "listen", "l", ":8080", "listen on ADDR:PORT")
	fs.IntVarP(&f.qlen, "fastopen-queue", "q", 256, "TCP_FASTOPEN queue length: pending connections whose SYN carried data (0: no TFO)")
	fs.IntVarP(&f.size, "size", "s", 100, "response body size in bytes")
	fs.Float64Var(&f.idle, "idle", 30, "close a connection idle for this many seconds")
	if done, code := serveCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	if fs.NArg() > 0 {
		cli.Errorf(stderr, "gtfo", "serve: unexpected argument %q", fs.Arg(0))
		return cli.ExitUsage
	}
	if f.size < 0 || f.size > maxBodyBytes || f.qlen < 0 || f.idle <= 0 {
		cli.Errorf(stderr, "gtfo", "serve: --size must be 0..%d, --fastopen-queue >= 0, --idle > 0", maxBodyBytes)
		return cli.ExitUsage
	}
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		cli.Errorf(stderr, "gtfo", "serve: -l %q: want ADDR:PORT (e.g. :8080 or [::1]:8080)", f.listen)
		return cli.ExitUsage
	}
	if v, err := readFastOpenSysctl(); err != nil {
		cli.Errorf(stderr, "gtfo", "cannot read net.ipv4.tcp_fastopen: %v", err)
	} else if msg := missingBit(v, tfoServerBit); msg != "" && f.qlen > 0 {
		cli.Errorf(stderr, "gtfo", "%s", msg)
	}

	var lc net.ListenConfig
	if f.qlen > 0 {
		lc.Control = sockopt.ControlFunc(func(fd int) error { return sockopt.SetFastOpen(fd, f.qlen) })
	}
	ln, err := lc.Listen(ctx, "tcp", f.listen)
	if err != nil {
		cli.Errorf(stderr, "gtfo", "serve: %v", describe(err))
		return cli.ExitFail
	}
	s := &server{flags: f, lines: cli.NewLines(stdout), stderr: stderr}
	if common.JSON {
		s.json = cli.NewNDJSON(stdout)
	}
	before, _ := kstat.Read()
	if s.json != nil {
		_ = s.json.Emit(struct {
			Type          string `json:"type"` // "listen"
			Addr          string `json:"addr"`
			FastOpenQueue int    `json:"fastopen_queue"`
			Size          int    `json:"size"`
		}{"listen", ln.Addr().String(), f.qlen, f.size})
	} else {
		s.lines.Printf("gtfo: listening on %s, TCP_FASTOPEN queue %d, %d-byte responses", ln.Addr(), f.qlen, f.size)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]struct{}{}
	go func() {
		<-ctx.Done()
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
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
		mu.Lock()
		open[conn] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(conn)
			mu.Lock()
			delete(open, conn)
			mu.Unlock()
		}()
	}
	wg.Wait()
	after, _ := kstat.Read()
	delta := after.Delta(before).WithPrefix(counterPrefixes...)
	if s.json != nil {
		_ = s.json.Emit(struct {
			Type        string         `json:"type"`
			Connections int64          `json:"connections"`
			SynData     int64          `json:"syn_data"`
			Counters    kstat.Counters `json:"counters"`
		}{"summary", s.conns.Load(), s.synConns.Load(), delta})
	} else {
		s.lines.Printf("--- gtfo serve: %d connections, %d with the request in the SYN; kernel: %s", s.conns.Load(), s.synConns.Load(), formatCounters(delta))
	}
	return cli.ExitOK
}

// handle serves one connection and prints its line.
func (s *server) handle(conn net.Conn) {
	start := time.Now()
	defer conn.Close()
	rep := connReport{Type: "conn", Addr: conn.RemoteAddr().String(), Proto: "raw"}
	// At accept, TCP_INFO already tells whether the handshake's SYN carried
	// data the kernel accepted (TFO); bytes_received then counts it. Data
	// merely waiting at accept proves nothing: a plain client's request
	// often arrives right behind the handshake's last ACK.
	_ = sockopt.Control(conn, func(fd int) error {
		ti, err := sockopt.GetTCPInfo(fd)
		rep.SynData = ti.SynData
		if ti.SynData {
			rep.SynBytes = ti.BytesReceived
		}
		return err
	})
	s.conns.Add(1)
	if rep.SynData {
		s.synConns.Add(1)
	}
	cc := &countingConn{Conn: conn}
	err := s.serve(cc, &rep)
	rep.BytesIn, rep.BytesOut = cc.in, cc.out
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		rep.Error = describe(err)
	}
	rep.DurationMS = cli.Millis(time.Since(start))
	rep.Time = cli.Timestamp(time.Now())
	if s.json != nil {
		_ = s.json.Emit(rep)
		return
	}
	syn := "no"
	if rep.SynData {
		syn = fmt.Sprintf("yes (%d bytes)", rep.SynBytes)
	}
	line := fmt.Sprintf("%s: request in SYN: %s, %d %s request(s), %d bytes in, %d bytes out, %.1f ms",
		rep.Addr, syn, rep.Requests, rep.Proto, rep.BytesIn, rep.BytesOut, rep.DurationMS)
	if rep.Error != "" {
		line += ", error: " + rep.Error
	}
	s.lines.Printf("%s", line)
}

func (s *server) serve(conn *countingConn, rep *connReport) error {
	idle := time.Duration(s.flags.idle * float64(time.Second))
	br := bufio.NewReaderSize(conn, 4096)
	var raw []byte // read buffer of raw (non-HTTP) requests
	for {
		_ = conn.SetReadDeadline(time.Now().Add(idle))
		if _, err := br.Peek(1); err != nil {
			return err
		}
		// Decide on what has arrived so far (at least one byte, up to four).
		first, _ := br.Peek(min(4, br.Buffered()))
		if !looksLikeHTTP(first) {
			rep.Proto = "raw"
			if raw == nil {
				raw = make([]byte, 64<<10)
			}
			n, err := br.Read(raw)
			if n > 0 {
				rep.Requests++
				if _, werr := conn.Write(body(s.flags.size)); werr != nil {
					return werr
				}
			}
			if err != nil {
				return err
			}
			continue
		}
		rep.Proto = "http"
		lines, err := readHead(br)
		if err != nil {
			if errors.Is(err, errHeadTooLarge) {
				_, _ = conn.Write(responseHead(431, "Request Header Fields Too Large", 0, true))
			}
			return err
		}
		rep.Requests++
		req, err := parseRequest(lines)
		if err != nil {
			msg := err.Error() + "\n"
			_, _ = conn.Write(append(responseHead(400, "Bad Request", len(msg), true), msg...))
			return err
		}
		if _, err := io.CopyN(io.Discard, br, req.ContentLength); err != nil {
			return err
		}
		size := s.flags.size
		if req.Size >= 0 {
			size = req.Size
		}
		payload := body(size)
		if req.Target == countersPath {
			payload = s.countersJSON()
			size = len(payload)
		}
		head := responseHead(200, "OK", size, req.Close)
		if req.Method == "HEAD" {
			payload = nil
		}
		tc, _ := conn.Conn.(*net.TCPConn)
		if req.Split && tc != nil {
			// Two small writes with Nagle on: the body waits in the kernel until
			// the client ACKs the head, which a client in delayed-ACK mode does
			// only when its delayed-ACK timer fires.
			_ = tc.SetNoDelay(false)
			if _, err := conn.Write(head); err != nil {
				return err
			}
			if _, err := conn.Write(payload); err != nil {
				return err
			}
		} else {
			if tc != nil {
				_ = tc.SetNoDelay(true)
			}
			if _, err := conn.Write(append(head, payload...)); err != nil {
				return err
			}
		}
		if req.Close {
			return nil
		}
	}
}

// countersPath serves the server's own kernel counters (the TFO and
// delayed-ACK ones, of its network namespace), so that gtfo compare can show
// the server's side of the evidence: in the Nagle case the delayed ACKs are
// the server's.
const countersPath = "/.well-known/gtfo/counters"

func (s *server) countersJSON() []byte {
	c, err := kstat.Read()
	if err != nil {
		c = kstat.Counters{}
	}
	b, _ := json.Marshal(c.WithPrefix(counterPrefixes...))
	return append(b, '\n')
}

// countingConn counts the bytes of a connection.
type countingConn struct {
	net.Conn
	in, out int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in += int64(n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out += int64(n)
	return n, err
}
