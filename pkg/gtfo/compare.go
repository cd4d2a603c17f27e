package gtfo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
	"gnetutils/pkg/sockopt"
)

var compareCommand = cli.Command{
	Name:     "gtfo",
	Synopsis: "compare ADDR:PORT [-n N] [-s SIZE] [-m SECONDS] [--json]",
	Summary: `Measure, against a gtfo server, what TCP Fast Open, TCP_NODELAY and
TCP_QUICKACK change: N rounds of each case, median and p95, and the deltas of
the kernel's own counters (TcpExtTCPFastOpen*, TcpExtDelayedACK* of this host's
network namespace) during each case.
  1 plain connect + GET vs TFO connect + GET       time to first byte
  2 write-write-read (head, then body) with Nagle on vs TCP_NODELAY
                                                   request to whole response
  3 a response the server writes in two pieces with Nagle on, read with
    delayed ACK vs TCP_QUICKACK set once vs re-armed before every read`,
	Extra: `Exit status as gtfo get: 7 could not connect, 28 timed out.
Without the client bit (0x1) of net.ipv4.tcp_fastopen the TFO case is skipped
and the others still run.`,
}

// counterPrefixes are the kernel counters the table shows.
var counterPrefixes = []string{"TcpExtTCPFastOpen", "TcpExtDelayedACK"}

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

// compareConfig is a checked command line of gtfo compare.
type compareConfig struct {
	addr    string
	rounds  int
	size    int
	timeout time.Duration
	warmup  int
	json    bool
}

// parseCompareArgs turns args into a compareConfig; done says runCompare
// must return code (after --help or a refusal, already printed).
func parseCompareArgs(args []string, stdout, stderr io.Writer) (cfg compareConfig, done bool, code int) {
	var common cli.Common
	var maxTime float64
	fs := compareCommand.NewFlagSet(&common)
	fs.IntVarP(&cfg.rounds, "rounds", "n", 20, "rounds per case")
	fs.IntVarP(&cfg.size, "size", "s", 100, "response body size (and request body size of case 2)")
	fs.Float64VarP(&maxTime, "max-time", "m", 5, "give up on a round after this many seconds")
	fs.IntVar(&cfg.warmup, "warmup", 3, "unmeasured rounds before each case (fetch the TFO cookie, leave quick-ACK start-up)")
	if done, code := compareCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return cfg, true, code
	}
	if fs.NArg() != 1 {
		return cfg, true, compareCommand.Fail(stderr, cli.ExitUsage, "compare: want one ADDR:PORT")
	}
	cfg.addr = fs.Arg(0)
	if err := checkAddr(cfg.addr); err != nil {
		return cfg, true, compareCommand.Fail(stderr, cli.ExitUsage, "compare: %v", err)
	}
	if cfg.rounds < 1 || cfg.size < 0 || cfg.size > 1<<20 || maxTime <= 0 || cfg.warmup < 0 {
		return cfg, true, compareCommand.Fail(stderr, cli.ExitUsage, "compare: -n must be >= 1, -s 0..1048576, -m > 0, --warmup >= 0")
	}
	cfg.timeout, cfg.json = seconds(maxTime), common.JSON
	return cfg, false, 0
}

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, done, code := parseCompareArgs(args, stdout, stderr)
	if done {
		return code
	}
	sysctl, sysErr := readFastOpenSysctl()
	tfoSkip := ""
	if sysErr == nil {
		if msg := missingBit(sysctl, tfoClientBit); msg != "" {
			cli.Errorf(stderr, "gtfo", "%s; skipping the TFO case, running the others", msg)
			tfoSkip = msg
		}
	}
	// One plain exchange first, so a dead server is one clear error, not a
	// table of failures.
	if _, err := fetch(ctx, cfg.addr, false, cfg.size, cfg.timeout, &tfoState{}); err != nil {
		if isTimeout(err) {
			return compareCommand.Fail(stderr, exitCode(err), "compare: %s: timed out after %v", cfg.addr, cfg.timeout)
		}
		return compareCommand.Fail(stderr, exitCode(err), "compare: %s: %s", cfg.addr, describe(err))
	}
	c := &comparer{cfg: cfg}
	first, _ := kstat.Read()
	serverFirst := c.serverCounters(ctx)
	var results []*caseResult
	for _, spec := range cases {
		if ctx.Err() != nil {
			break
		}
		results = append(results, c.runCase(ctx, spec, tfoSkip))
	}
	last, _ := kstat.Read()
	sum := compareSummary{Type: "summary", Addr: cfg.addr, Rounds: cfg.rounds, TCPFastOpen: sysctl,
		Counters: last.Delta(first).WithPrefix(counterPrefixes...)}
	if serverFirst != nil {
		if serverLast := c.serverCounters(ctx); serverLast != nil {
			sum.ServerCounters = serverLast.Delta(serverFirst)
		}
	}
	c.tfoSaved(results, &sum)
	newPrinter(cfg.json, stdout, stderr).compared(cfg.rounds, cfg.size, results, sum)
	for _, r := range results {
		if r.Error != "" && r.OK == 0 {
			return exitConnect
		}
	}
	return cli.ExitOK
}

// comparer runs the cases against one server.
type comparer struct {
	cfg compareConfig
	rtt float64 // ms: median connect time of the plain case, one round trip
}

// runCase runs one case (unless it is the TFO case and tfoSkip says why
// not), with the kernel counters of both ends around it.
func (c *comparer) runCase(ctx context.Context, spec caseSpec, tfoSkip string) *caseResult {
	res := &caseResult{Type: "case", Case: spec.name, Group: spec.group, Title: spec.title, Measure: spec.measure, Rounds: c.cfg.rounds}
	if spec.name == "tfo" && tfoSkip != "" {
		res.Skipped = tfoSkip
		return res
	}
	serverBefore := c.serverCounters(ctx)
	before, _ := kstat.Read()
	if err := spec.run(ctx, c, res); err != nil {
		res.Error = describe(err)
	}
	after, _ := kstat.Read()
	res.Counters = after.Delta(before).WithPrefix(counterPrefixes...)
	if serverBefore != nil {
		if serverAfter := c.serverCounters(ctx); serverAfter != nil {
			res.ServerCounters = serverAfter.Delta(serverBefore)
		}
	}
	s := summarize(res.samples)
	res.OK = len(res.samples)
	res.MedianMS, res.P95MS, res.MinMS, res.MaxMS = s.median, s.p95, s.min, s.max
	return res
}

// connectionCases are the plain and the TFO case when both have rounds to
// compare; nil otherwise.
func connectionCases(results []*caseResult) (plain, tfo *caseResult) {
	for _, r := range results {
		switch r.Case {
		case "plain":
			plain = r
		case "tfo":
			tfo = r
		}
	}
	if plain == nil || tfo == nil || plain.OK == 0 || tfo.OK == 0 {
		return nil, nil
	}
	return plain, tfo
}

// tfoSaved puts in sum what TFO saved at the median, when both connection
// cases have rounds to compare.
func (c *comparer) tfoSaved(results []*caseResult, sum *compareSummary) {
	plain, tfo := connectionCases(results)
	if plain == nil {
		return
	}
	sum.RTTms = c.rtt
	sum.TFOSavedMS = plain.MedianMS - tfo.MedianMS
	if c.rtt > 0 {
		sum.TFOSavedRTTs = sum.TFOSavedMS / c.rtt
	}
}

// serverCounters asks a gtfo server for its kernel counters; nil when the
// server is not one (or does not answer).
func (c *comparer) serverCounters(ctx context.Context) kstat.Counters {
	b, err := fetchBody(ctx, c.cfg.addr, countersPath, c.cfg.timeout)
	if err != nil {
		return nil
	}
	var m kstat.Counters
	if json.Unmarshal(b, &m) != nil || len(m) == 0 {
		return nil
	}
	return m
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
	br := bufio.NewReader(rd)
	var head, reqBody []byte
	switch kind {
	case writeWriteRead:
		head = []byte(fmt.Sprintf("POST /%d HTTP/1.1\r\nHost: %s\r\nUser-Agent: gtfo\r\nContent-Length: %d\r\n\r\n", c.cfg.size, c.cfg.addr, c.cfg.size))
		reqBody = body(c.cfg.size)
	case splitResponse:
		head = getRequest(c.cfg.addr, c.cfg.size, true, false)
	}
	round := func() (time.Duration, error) {
		_ = conn.SetDeadline(time.Now().Add(c.cfg.timeout))
		start := time.Now()
		if _, err := conn.Write(head); err != nil {
			return 0, err
		}
		if len(reqBody) > 0 {
			if _, err := conn.Write(reqBody); err != nil {
				return 0, err
			}
		}
		resp, _, err := readResponse(br, "GET")
		if err != nil {
			return 0, err
		}
		if resp.Status != 200 {
			return 0, fmt.Errorf("HTTP status %d: is %s a gtfo server?", resp.Status, c.cfg.addr)
		}
		return time.Since(start), nil
	}
	for range c.cfg.warmup {
		if _, err := round(); err != nil {
			return err
		}
	}
	if qa == quickAckOnce {
		if err := sockopt.Control(conn, quickAck); err != nil {
			return fmt.Errorf("TCP_QUICKACK: %w", err)
		}
	}
	for i := range c.cfg.rounds {
		d, err := round()
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
