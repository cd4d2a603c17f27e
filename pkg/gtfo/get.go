package gtfo

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"gnetutils/pkg/cli"
)

var getCommand = cli.Command{
	Name:     "gtfo",
	Synopsis: "get ADDR:PORT [-n N] [--no-tfo] [-s SIZE] [-m SECONDS] [--json]",
	Summary: `Connect N times with TCP Fast Open (TCP_FASTOPEN_CONNECT), send an HTTP GET,
read the response, and print the time to connect and to the first byte, and
whether the request really rode in the SYN (TCP_INFO: TCPI_OPT_SYN_DATA). The
first connection fetches the server's cookie; later ones send data with it.`,
	Extra: `Exit status: 0 all connections answered, 7 could not connect (e.g. refused),
28 timed out (curl's codes), 2 bad usage.
The client needs the client bit (0x1) of net.ipv4.tcp_fastopen; without it gtfo
says so and connects the plain way.`,
}

// getConfig is a checked command line of gtfo get.
type getConfig struct {
	addr     string
	count    int
	tfo      bool // not --no-tfo
	size     int  // -1: the server's choice
	timeout  time.Duration
	interval time.Duration
	json     bool
}

// checkAddr validates ADDR:PORT.
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("%q: want ADDR:PORT (e.g. 198.18.1.1:8080 or [fd00::1]:8080)", addr)
	}
	return nil
}

// parseGetArgs turns args into a getConfig; done says runGet must return
// code (after --help or a refusal, already printed).
func parseGetArgs(args []string, stdout, stderr io.Writer) (cfg getConfig, done bool, code int) {
	var (
		common                  cli.Common
		count, size             int
		noTFO                   bool
		maxTime, intervalSecond float64
	)
	fs := getCommand.NewFlagSet(&common)
	fs.IntVarP(&count, "count", "n", 1, "connections to make")
	fs.BoolVar(&noTFO, "no-tfo", false, "connect the plain way, without TCP Fast Open")
	fs.IntVarP(&size, "size", "s", -1, "ask for a SIZE-byte body (GET /SIZE); default: the server's choice")
	fs.Float64VarP(&maxTime, "max-time", "m", 5, "give up on a connection after this many seconds")
	fs.Float64VarP(&intervalSecond, "interval", "i", 0, "seconds to wait between connections")
	if done, code := getCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return cfg, true, code
	}
	if fs.NArg() != 1 {
		return cfg, true, getCommand.Fail(stderr, cli.ExitUsage, "get: want one ADDR:PORT")
	}
	addr := fs.Arg(0)
	if err := checkAddr(addr); err != nil {
		return cfg, true, getCommand.Fail(stderr, cli.ExitUsage, "get: %v", err)
	}
	if count < 1 || maxTime <= 0 || intervalSecond < 0 || size > maxBodyBytes {
		return cfg, true, getCommand.Fail(stderr, cli.ExitUsage, "get: -n must be >= 1, -m > 0, -i >= 0, -s <= %d", maxBodyBytes)
	}
	return getConfig{addr: addr, count: count, tfo: !noTFO, size: size, timeout: seconds(maxTime),
		interval: seconds(intervalSecond), json: common.JSON}, false, 0
}

// seconds is a flag given in seconds, as a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, done, code := parseGetArgs(args, stdout, stderr)
	if done {
		return code
	}
	g := &getter{cfg: cfg, p: newPrinter(cfg.json, stdout, stderr), stderr: stderr, tfo: cfg.tfo}
	if g.tfo {
		if v, err := readFastOpenSysctl(); err == nil {
			if msg := missingBit(v, tfoClientBit); msg != "" {
				cli.Errorf(stderr, "gtfo", "%s; falling back to a plain connect", msg)
				g.tfo = false
				g.st.disabled = msg
			}
		}
	}
	mode := "plain connect"
	if g.tfo {
		mode = "TCP Fast Open (TCP_FASTOPEN_CONNECT)"
	}
	g.p.getStart(cfg.addr, mode, cfg.count)
	for seq := 1; seq <= cfg.count && ctx.Err() == nil; seq++ {
		if seq > 1 && cfg.interval > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(cfg.interval):
			}
			if ctx.Err() != nil {
				break
			}
		}
		if !g.connect(ctx, seq) {
			break // interrupted: the summary follows
		}
	}
	s := summarize(g.firstBytes)
	g.p.getSummary(getSummary{"summary", cfg.addr, g.sent, g.ok, g.synData, s.min, s.median, s.p95, s.max, g.st.disabled})
	switch {
	case g.ok == g.sent && g.sent > 0:
		return cli.ExitOK
	case g.lastErr != nil:
		return exitCode(g.lastErr)
	default:
		return cli.ExitFail
	}
}

// getter makes gtfo get's connections and keeps their tally.
type getter struct {
	cfg    getConfig
	p      printer
	stderr io.Writer
	tfo    bool // still asking for TCP Fast Open: the kernel may refuse it
	st     tfoState

	sent, ok, synData int
	firstBytes        []float64 // ms
	lastErr           error
}

// connect makes connection seq and prints its reply or its error; false
// when ctx interrupted it, which then does not count.
func (g *getter) connect(ctx context.Context, seq int) bool {
	addr := g.cfg.addr
	g.sent++
	hadDisabled := g.st.disabled
	r, err := fetch(ctx, addr, g.tfo, g.cfg.size, g.cfg.timeout, &g.st)
	if g.st.disabled != "" && hadDisabled == "" {
		cli.Errorf(g.stderr, "gtfo", "%s; falling back to a plain connect", g.st.disabled)
		g.tfo = false
	}
	if err != nil {
		if ctx.Err() != nil && !isTimeout(err) {
			g.sent--
			return false
		}
		g.lastErr = err
		msg := fmt.Sprintf("%s: %s", addr, describe(err))
		if isTimeout(err) {
			msg = fmt.Sprintf("%s: timed out after %v", addr, g.cfg.timeout)
		}
		g.p.getError(getError{"error", addr, seq, msg, cli.Timestamp(time.Now())})
		return true
	}
	g.ok++
	if r.SynData {
		g.synData++
	}
	g.firstBytes = append(g.firstBytes, cli.Millis(r.FirstByte))
	why := ""
	if r.TFOTried && !r.SynData {
		why = clientFailReasons[r.ClientFail]
	}
	g.p.getReply(getReply{"reply", addr, seq, r.TFOTried, cli.Millis(r.Connect), cli.Millis(r.FirstByte), cli.Millis(r.Total),
		r.Status, r.Bytes, r.SynData, why, cli.Timestamp(time.Now())})
	return true
}
