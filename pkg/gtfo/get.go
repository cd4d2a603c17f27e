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

type getFlags struct {
	count    int
	noTFO    bool
	size     int
	maxTime  float64
	interval float64
}

// getReply is gtfo get's per-connection JSON event.
type getReply struct {
	Type        string  `json:"type"` // "reply"
	Addr        string  `json:"addr"`
	Seq         int     `json:"seq"`
	TFO         bool    `json:"tfo"`
	ConnectMS   float64 `json:"connect_ms"`
	FirstByteMS float64 `json:"first_byte_ms"`
	TotalMS     float64 `json:"total_ms"`
	Status      int     `json:"status"`
	Size        int64   `json:"size"`
	SynData     bool    `json:"syn_data"`
	Why         string  `json:"syn_data_why,omitempty"`
	Time        string  `json:"time"`
}

type getError struct {
	Type  string `json:"type"` // "error"
	Addr  string `json:"addr"`
	Seq   int    `json:"seq"`
	Error string `json:"error"`
	Time  string `json:"time"`
}

type getSummary struct {
	Type          string  `json:"type"` // "summary"
	Addr          string  `json:"addr"`
	Transmitted   int     `json:"connections"`
	Received      int     `json:"ok"`
	SynData       int     `json:"syn_data"`
	FirstByteMin  float64 `json:"first_byte_min_ms"`
	FirstByteMed  float64 `json:"first_byte_median_ms"`
	FirstByteP95  float64 `json:"first_byte_p95_ms"`
	FirstByteMax  float64 `json:"first_byte_max_ms"`
	TFODisabledBy string  `json:"tfo_disabled,omitempty"`
}

// checkAddr validates ADDR:PORT.
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("%q: want ADDR:PORT (e.g. 198.18.1.1:8080 or [fd00::1]:8080)", addr)
	}
	return nil
}

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var common cli.Common
	var f getFlags
	fs := getCommand.NewFlagSet(&common)
	fs.IntVarP(&f.count, "count", "n", 1, "connections to make")
	fs.BoolVar(&f.noTFO, "no-tfo", false, "connect the plain way, without TCP Fast Open")
	fs.IntVarP(&f.size, "size", "s", -1, "ask for a SIZE-byte body (GET /SIZE); default: the server's choice")
	fs.Float64VarP(&f.maxTime, "max-time", "m", 5, "give up on a connection after this many seconds")
	fs.Float64VarP(&f.interval, "interval", "i", 0, "seconds to wait between connections")
	if done, code := getCommand.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	if fs.NArg() != 1 {
		cli.Errorf(stderr, "gtfo", "get: want one ADDR:PORT")
		return cli.ExitUsage
	}
	addr := fs.Arg(0)
	if err := checkAddr(addr); err != nil {
		cli.Errorf(stderr, "gtfo", "get: %v", err)
		return cli.ExitUsage
	}
	if f.count < 1 || f.maxTime <= 0 || f.interval < 0 || f.size > maxBodyBytes {
		cli.Errorf(stderr, "gtfo", "get: -n must be >= 1, -m > 0, -i >= 0, -s <= %d", maxBodyBytes)
		return cli.ExitUsage
	}
	tfo := !f.noTFO
	st := &tfoState{}
	if tfo {
		if v, err := readFastOpenSysctl(); err == nil {
			if msg := missingBit(v, tfoClientBit); msg != "" {
				cli.Errorf(stderr, "gtfo", "%s; falling back to a plain connect", msg)
				tfo = false
				st.disabled = msg
			}
		}
	}
	lines := cli.NewLines(stdout)
	var js *cli.NDJSON
	if common.JSON {
		js = cli.NewNDJSON(stdout)
	}
	mode := "plain connect"
	if tfo {
		mode = "TCP Fast Open (TCP_FASTOPEN_CONNECT)"
	}
	if js == nil {
		lines.Printf("GTFO %s: %s, %d connection(s)", addr, mode, f.count)
	}
	timeout := time.Duration(f.maxTime * float64(time.Second))
	var firstBytes []float64
	var lastErr error
	ok, synData, sent := 0, 0, 0
	for seq := 1; seq <= f.count && ctx.Err() == nil; seq++ {
		if seq > 1 && f.interval > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(f.interval * float64(time.Second))):
			}
			if ctx.Err() != nil {
				break
			}
		}
		sent++
		hadDisabled := st.disabled
		r, err := fetch(ctx, addr, tfo, f.size, timeout, st)
		if st.disabled != "" && hadDisabled == "" {
			cli.Errorf(stderr, "gtfo", "%s; falling back to a plain connect", st.disabled)
			tfo = false
		}
		if err != nil {
			if ctx.Err() != nil && !isTimeout(err) {
				sent--
				break // interrupted: the summary follows
			}
			lastErr = err
			msg := fmt.Sprintf("%s: %s", addr, describe(err))
			if isTimeout(err) {
				msg = fmt.Sprintf("%s: timed out after %v", addr, timeout)
			}
			if js != nil {
				_ = js.Emit(getError{"error", addr, seq, msg, cli.Timestamp(time.Now())})
			} else {
				cli.Errorf(stderr, "gtfo", "%d: %s", seq, msg)
			}
			continue
		}
		ok++
		if r.SynData {
			synData++
		}
		firstBytes = append(firstBytes, cli.Millis(r.FirstByte))
		why := ""
		if r.TFOTried && !r.SynData {
			why = clientFailReasons[r.ClientFail]
		}
		if js != nil {
			_ = js.Emit(getReply{"reply", addr, seq, r.TFOTried, cli.Millis(r.Connect), cli.Millis(r.FirstByte), cli.Millis(r.Total),
				r.Status, r.Bytes, r.SynData, why, cli.Timestamp(time.Now())})
			continue
		}
		syn := "no"
		if r.SynData {
			syn = "yes"
		} else if why != "" {
			syn = "no (" + why + ")"
		}
		lines.Printf("%d: connect %.2f ms, first byte %.2f ms, %d bytes in %.2f ms, HTTP %d, data in SYN: %s",
			seq, cli.Millis(r.Connect), cli.Millis(r.FirstByte), r.Bytes, cli.Millis(r.Total), r.Status, syn)
	}
	s := summarize(firstBytes)
	sum := getSummary{"summary", addr, sent, ok, synData, s.min, s.median, s.p95, s.max, st.disabled}
	if js != nil {
		_ = js.Emit(sum)
	} else {
		lines.Printf("--- %s gtfo statistics ---", addr)
		line := fmt.Sprintf("%d connections, %d answered, %d with data in SYN", sent, ok, synData)
		if ok > 0 {
			line += fmt.Sprintf("; first byte min/median/p95/max = %.3f/%.3f/%.3f/%.3f ms", s.min, s.median, s.p95, s.max)
		}
		lines.Printf("%s", line)
	}
	switch {
	case ok == sent && sent > 0:
		return cli.ExitOK
	case lastErr != nil:
		return exitCode(lastErr)
	default:
		return cli.ExitFail
	}
}
