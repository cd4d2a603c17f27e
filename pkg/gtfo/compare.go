package gtfo

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
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
