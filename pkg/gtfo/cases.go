package gtfo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/sockopt"
)

// The cases of gtfo compare: what each measures and how.

// caseSpec is one case: run does the rounds and reports each one.
type caseSpec struct {
	name, title, measure string
	group                int
	run                  func(ctx context.Context, c *comparer, res *caseResult) error
}

var cases = []caseSpec{
	{"plain", "plain connect + GET", "first byte", 1, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.connections(ctx, false, res)
	}},
	{"tfo", "TFO connect + GET", "first byte", 1, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.connections(ctx, true, res)
	}},
	{"nagle", "write-write-read, Nagle on", "request to response", 2, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.exchanges(ctx, res, false, quickAckNever, writeWriteRead)
	}},
	{"nodelay", "write-write-read, TCP_NODELAY", "request to response", 2, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.exchanges(ctx, res, true, quickAckNever, writeWriteRead)
	}},
	{"delayed_ack", "split response, delayed ACK", "request to response", 3, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.exchanges(ctx, res, true, quickAckNever, splitResponse)
	}},
	{"quickack_once", "split response, TCP_QUICKACK once", "request to response", 3, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.exchanges(ctx, res, true, quickAckOnce, splitResponse)
	}},
	{"quickack_every_read", "split response, TCP_QUICKACK every read", "request to response", 3, func(ctx context.Context, c *comparer, res *caseResult) error {
		return c.exchanges(ctx, res, true, quickAckEveryRead, splitResponse)
	}},
}

// connections runs case 1: a new connection per round, time to first byte.
func (c *comparer) connections(ctx context.Context, tfo bool, res *caseResult) error {
	st := &tfoState{}
	var connects []float64
	// The first TFO connection asks for the cookie; warm-up rounds leave it
	// out of the figures, as they do the plain case's cold caches.
	for range c.cfg.warmup {
		if _, err := fetch(ctx, c.cfg.addr, tfo, c.cfg.size, c.cfg.timeout, st); err != nil {
			return err
		}
	}
	if tfo {
		res.SynData = new(int)
	}
	var lastErr error
	for i := range c.cfg.rounds {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r, err := fetch(ctx, c.cfg.addr, tfo, c.cfg.size, c.cfg.timeout, st)
		if err != nil {
			lastErr = err
			continue
		}
		if tfo && st.disabled != "" {
			res.Skipped = st.disabled
		}
		ms := cli.Millis(r.FirstByte)
		if i == 0 {
			res.FirstMS = ms
		}
		res.samples = append(res.samples, ms)
		connects = append(connects, cli.Millis(r.Connect))
		if r.SynData && res.SynData != nil {
			*res.SynData++
		}
	}
	if !tfo && len(connects) > 0 {
		c.rtt = summarize(connects).median
	}
	return lastErr
}

type quickAckMode int

const (
	quickAckNever quickAckMode = iota
	quickAckOnce
	quickAckEveryRead
)

type exchangeKind int

const (
	writeWriteRead exchangeKind = iota // case 2: request head, then body, then read
	splitResponse                      // case 3: one request; the server writes head, then body
)

// exchanges runs cases 2 and 3: rounds of request/response on one
// connection, after warm-up rounds that take it out of the kernel's
// quick-ACK start-up (the first segments of a connection are ACKed at once).
func (c *comparer) exchanges(ctx context.Context, res *caseResult, nodelay bool, qa quickAckMode, kind exchangeKind) error {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	conn, err := dial(dctx, c.cfg.addr, false, &tfoState{})
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetNoDelay(nodelay); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	var rd io.Reader = conn
	if qa == quickAckEveryRead {
		rd = &quickAckReader{conn: conn}
	}
	ex := &exchange{conn: conn, br: bufio.NewReader(rd), addr: c.cfg.addr, timeout: c.cfg.timeout}
	switch kind {
	case writeWriteRead:
		ex.head = []byte(fmt.Sprintf("POST /%d HTTP/1.1\r\nHost: %s\r\nUser-Agent: gtfo\r\nContent-Length: %d\r\n\r\n", c.cfg.size, c.cfg.addr, c.cfg.size))
		ex.body = body(c.cfg.size)
	case splitResponse:
		ex.head = getRequest(c.cfg.addr, c.cfg.size, true, false)
	}
	for range c.cfg.warmup {
		if _, err := ex.round(); err != nil {
			return err
		}
	}
	if qa == quickAckOnce {
		if err := sockopt.Control(conn, quickAck); err != nil {
			return fmt.Errorf("TCP_QUICKACK: %w", err)
		}
	}
	for i := range c.cfg.rounds {
		d, err := ex.round()
		if err != nil {
			return err
		}
		if i == 0 {
			res.FirstMS = cli.Millis(d)
		}
		res.samples = append(res.samples, cli.Millis(d))
	}
	return nil
}

// exchange is the request of case 2 or 3 on its connection.
type exchange struct {
	conn       *net.TCPConn
	br         *bufio.Reader // reads conn (re-arming TCP_QUICKACK if the case says so)
	head, body []byte        // the request: head, then body in a second write
	addr       string
	timeout    time.Duration
}

// round is one request and its whole response, timed.
func (e *exchange) round() (time.Duration, error) {
	_ = e.conn.SetDeadline(time.Now().Add(e.timeout))
	start := time.Now()
	if _, err := e.conn.Write(e.head); err != nil {
		return 0, err
	}
	if len(e.body) > 0 {
		if _, err := e.conn.Write(e.body); err != nil {
			return 0, err
		}
	}
	resp, _, err := readResponse(e.br, "GET")
	if err != nil {
		return 0, err
	}
	if resp.Status != 200 {
		return 0, fmt.Errorf("HTTP status %d: is %s a gtfo server?", resp.Status, e.addr)
	}
	return time.Since(start), nil
}

// quickAckReader re-arms TCP_QUICKACK before every read: Linux leaves
// quick-ACK mode again on its own (when the connection looks interactive), so
// a single setsockopt helps only the next few segments.
type quickAckReader struct{ conn net.Conn }

func (q *quickAckReader) Read(p []byte) (int, error) {
	_ = sockopt.Control(q.conn, quickAck)
	return q.conn.Read(p)
}

// quickAck re-arms TCP_QUICKACK, which the kernel clears on its own.
func quickAck(fd int) error { return sockopt.SetQuickAck(fd, true) }
