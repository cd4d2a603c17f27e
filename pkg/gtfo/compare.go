package gtfo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
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

// caseResult is one row of the table and one "case" JSON event.
type caseResult struct {
	Type     string         `json:"type"` // "case"
	Case     string         `json:"case"`
	Group    int            `json:"group"`
	Title    string         `json:"title"`
	Measure  string         `json:"measure"`
	Rounds   int            `json:"rounds"`
	OK       int            `json:"ok"`
	MedianMS float64        `json:"median_ms"`
	P95MS    float64        `json:"p95_ms"`
	MinMS    float64        `json:"min_ms"`
	MaxMS    float64        `json:"max_ms"`
	FirstMS  float64        `json:"first_round_ms"`
	SynData  *int           `json:"syn_data,omitempty"` // TFO cases: rounds whose data rode in the SYN
	Counters kstat.Counters `json:"counters"`
	// ServerCounters are the server's, when it is a gtfo server (it serves
	// them); nil otherwise.
	ServerCounters kstat.Counters `json:"server_counters,omitempty"`
	Skipped        string         `json:"skipped,omitempty"`
	Error          string         `json:"error,omitempty"`

	samples []float64
}

type compareSummary struct {
	Type         string         `json:"type"` // "summary"
	Addr         string         `json:"addr"`
	Rounds       int            `json:"rounds"`
	RTTMS        float64        `json:"rtt_ms"` // median plain connect time: one round trip
	TCPFastOpen  int            `json:"tcp_fastopen"`
	TFOSavedMS   float64        `json:"tfo_saved_ms"`
	TFOSavedRTTs float64        `json:"tfo_saved_rtts"`
	Counters     kstat.Counters `json:"counters"`
	// ServerCounters: the server's counters over the run (gtfo servers only).
	ServerCounters kstat.Counters `json:"server_counters,omitempty"`
}

type compareFlags struct {
	rounds  int
	size    int
	maxTime float64
	warmup  int
}

// comparer runs the cases against one server.
type comparer struct {
	addr    string
	flags   compareFlags
	timeout time.Duration
	rtt     float64 // ms: median connect time of the plain case, one round trip
}

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

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var common cli.Common
	var f compareFlags
	fs := compareCommand.NewFlagSet(&common)
	fs.IntVarP(&f.rounds, "rounds", "n", 20, "rounds per case")
	fs.IntVarP(&f.size, "size", "s", 100, "response body size (and request body size of case 2)")
	fs.Float64VarP(&f.maxTime, "max-time", "m", 5, "give up on a round after this many seconds")
	fs.IntVar(&f.warmup, "warmup", 3, "unmeasured rounds before each case (fetch the TFO cookie, leave quick-ACK start-up)")
	if done, code := compareCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	if fs.NArg() != 1 {
		cli.Errorf(stderr, "gtfo", "compare: want one ADDR:PORT")
		return cli.ExitUsage
	}
	addr := fs.Arg(0)
	if err := checkAddr(addr); err != nil {
		cli.Errorf(stderr, "gtfo", "compare: %v", err)
		return cli.ExitUsage
	}
	if f.rounds < 1 || f.size < 0 || f.size > 1<<20 || f.maxTime <= 0 || f.warmup < 0 {
		cli.Errorf(stderr, "gtfo", "compare: -n must be >= 1, -s 0..1048576, -m > 0, --warmup >= 0")
		return cli.ExitUsage
	}
	c := &comparer{addr: addr, flags: f, timeout: time.Duration(f.maxTime * float64(time.Second))}
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
	if _, err := fetch(ctx, addr, false, f.size, c.timeout, &tfoState{}); err != nil {
		if isTimeout(err) {
			cli.Errorf(stderr, "gtfo", "compare: %s: timed out after %v", addr, c.timeout)
		} else {
			cli.Errorf(stderr, "gtfo", "compare: %s: %s", addr, describe(err))
		}
		return exitCode(err)
	}

	lines := cli.NewLines(stdout)
	var js *cli.NDJSON
	if common.JSON {
		js = cli.NewNDJSON(stdout)
	}
	first, _ := kstat.Read()
	serverFirst := c.serverCounters(ctx)
	var results []*caseResult
	for _, spec := range cases {
		if ctx.Err() != nil {
			break
		}
		res := &caseResult{Type: "case", Case: spec.name, Group: spec.group, Title: spec.title, Measure: spec.measure, Rounds: f.rounds}
		if spec.name == "tfo" && tfoSkip != "" {
			res.Skipped = tfoSkip
		} else {
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
		}
		results = append(results, res)
	}
	last, _ := kstat.Read()
	sum := compareSummary{Type: "summary", Addr: addr, Rounds: f.rounds, TCPFastOpen: sysctl,
		Counters: last.Delta(first).WithPrefix(counterPrefixes...)}
	if serverFirst != nil {
		if serverLast := c.serverCounters(ctx); serverLast != nil {
			sum.ServerCounters = serverLast.Delta(serverFirst)
		}
	}
	byName := map[string]*caseResult{}
	for _, r := range results {
		byName[r.Case] = r
	}
	var tfoNote string
	if plain, tfo := byName["plain"], byName["tfo"]; plain != nil && tfo != nil && plain.OK > 0 && tfo.OK > 0 {
		sum.RTTMS = c.rtt
		sum.TFOSavedMS = plain.MedianMS - tfo.MedianMS
		if c.rtt > 0 {
			sum.TFOSavedRTTs = sum.TFOSavedMS / c.rtt
		}
		tfoNote = fmt.Sprintf("TFO saved %.2f ms of %.2f at the median: %.2f round trips (RTT %.2f ms, the plain handshake); data in SYN on %d of %d connections",
			sum.TFOSavedMS, plain.MedianMS, sum.TFOSavedRTTs, c.rtt, *tfo.SynData, tfo.OK)
		if *tfo.SynData == 0 {
			tfoNote += "; the server took no data in the SYN (does its net.ipv4.tcp_fastopen have the server bit 0x2, its listener TCP_FASTOPEN?)"
		}
	}

	if js != nil {
		for _, r := range results {
			_ = js.Emit(r)
		}
		_ = js.Emit(sum)
	} else {
		printTable(lines, addr, f, results)
		if tfoNote != "" {
			lines.Printf("%s", tfoNote)
		}
		line := "kernel counters during the run: client " + formatCounters(sum.Counters)
		if sum.ServerCounters != nil {
			line += "; server " + formatCounters(sum.ServerCounters)
		}
		lines.Printf("%s", line)
	}
	for _, r := range results {
		if r.Error != "" && r.OK == 0 {
			return exitConnect
		}
	}
	return cli.ExitOK
}

func printTable(lines *cli.Lines, addr string, f compareFlags, results []*caseResult) {
	lines.Printf("gtfo compare %s: %d rounds per case, %d-byte bodies", addr, f.rounds, f.size)
	lines.Printf("%-44s %-19s %7s %10s %9s  %s", "case", "measure", "ok", "median ms", "p95 ms", "kernel counter deltas (client, server) / notes")
	for _, r := range results {
		label := fmt.Sprintf("%d %s", r.Group, r.Title)
		if r.Skipped != "" {
			lines.Printf("%-44s %-19s %7s %10s %9s  skipped: %s", label, r.Measure, "-", "-", "-", r.Skipped)
			continue
		}
		var notes []string
		if r.SynData != nil {
			notes = append(notes, fmt.Sprintf("data in SYN %d/%d", *r.SynData, r.OK))
		}
		if r.Case == "quickack_once" && r.OK > 0 {
			notes = append(notes, fmt.Sprintf("1st round %.2f ms", r.FirstMS))
		}
		if c := formatCounters(r.Counters); c != "none" {
			notes = append(notes, "client "+c)
		}
		if c := formatCounters(r.ServerCounters); c != "none" {
			notes = append(notes, "server "+c)
		}
		if r.Error != "" {
			notes = append(notes, "error: "+r.Error)
		}
		lines.Printf("%s", strings.TrimRight(fmt.Sprintf("%-44s %-19s %7s %10.2f %9.2f  %s", label, r.Measure, fmt.Sprintf("%d/%d", r.OK, r.Rounds), r.MedianMS, r.P95MS, strings.Join(notes, ", ")), " "))
	}
}

// formatCounters prints the counters that moved, without the TcpExt prefix.
func formatCounters(c kstat.Counters) string {
	if c == nil {
		return "none"
	}
	var parts []string
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if c[k] != 0 {
			parts = append(parts, fmt.Sprintf("%s%+d", strings.TrimPrefix(k, "TcpExt"), c[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// serverCounters asks a gtfo server for its kernel counters; nil when the
// server is not one (or does not answer).
func (c *comparer) serverCounters(ctx context.Context) kstat.Counters {
	b, err := fetchBody(ctx, c.addr, countersPath, c.timeout)
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
	for range c.flags.warmup {
		if _, err := fetch(ctx, c.addr, tfo, c.flags.size, c.timeout, st); err != nil {
			return err
		}
	}
	if tfo {
		res.SynData = new(int)
	}
	var lastErr error
	for i := range c.flags.rounds {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r, err := fetch(ctx, c.addr, tfo, c.flags.size, c.timeout, st)
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
	dctx, cancel := context.WithTimeout(ctx, c.timeout)
	conn, err := dial(dctx, c.addr, false, &tfoState{})
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
		head = []byte(fmt.Sprintf("POST /%d HTTP/1.1\r\nHost: %s\r\nUser-Agent: gtfo\r\nContent-Length: %d\r\n\r\n", c.flags.size, c.addr, c.flags.size))
		reqBody = body(c.flags.size)
	case splitResponse:
		head = getRequest(c.addr, c.flags.size, true, false)
	}
	round := func() (time.Duration, error) {
		_ = conn.SetDeadline(time.Now().Add(c.timeout))
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
			return 0, fmt.Errorf("HTTP status %d: is %s a gtfo server?", resp.Status, c.addr)
		}
		return time.Since(start), nil
	}
	for range c.flags.warmup {
		if _, err := round(); err != nil {
			return err
		}
	}
	if qa == quickAckOnce {
		if err := sockopt.Control(conn, quickAck); err != nil {
			return fmt.Errorf("TCP_QUICKACK: %w", err)
		}
	}
	for i := range c.flags.rounds {
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
