package echo

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/cli"
)

// printer writes what gudpecho and gtcpecho report on stdout: text lines,
// or NDJSON events with --json. Run picks one and prints only through it.
type printer interface {
	bench(r BenchResult, size int) // the result of a --bench run
	stats(r statsReport)           // a server's statistics
}

// statsReport is one statistics report of a running server.
type statsReport struct {
	final  bool // the last one, after the server stopped
	shards []shardSnapshot
	kernel map[string]int64 // deltas of the kernelCounters since the start
	conns  *connCounts      // TCP only
}

// connCounts are a TCP server's connection counts.
type connCounts struct {
	open, refused int64
	unread        int64 // bytes not echoed when the grace period ended
}

func newPrinter(json bool, proto string, stdout io.Writer) printer {
	if json {
		return jsonPrinter{cli.NewNDJSON(stdout)}
	}
	unit := "datagrams"
	if proto == "tcp" {
		unit = "connections"
	}
	return textPrinter{cli.NewLines(stdout), unit}
}

type textPrinter struct {
	lines *cli.Lines
	unit  string // what a shard's packets count
}

func (p textPrinter) bench(r BenchResult, size int) {
	p.lines.Printf("%d flows, %d-byte messages, %.1f s: %d round trips (%.0f/s), %.2f MB/s echoed, %d lost, rtt p50 %.3f ms p99 %.3f ms",
		r.Flows, size, r.Elapsed.Seconds(), r.RoundTrips, r.PerSecond(), float64(r.Bytes)/r.Elapsed.Seconds()/1e6, r.Lost,
		float64(r.RTT.P50)/1e6, float64(r.RTT.P99)/1e6)
}

func (p textPrinter) stats(r statsReport) {
	var total shardSnapshot
	var per []string
	for _, s := range r.shards {
		total.Packets += s.Packets
		total.Bytes += s.Bytes
		total.Dropped += s.Dropped
		per = append(per, strconv.FormatInt(s.Packets, 10))
	}
	conns := ""
	if c := r.conns; c != nil {
		conns = fmt.Sprintf(" open %d refused %d unread-at-close %d", c.open, c.refused, c.unread)
	}
	var kv []string
	for name, v := range r.kernel {
		kv = append(kv, fmt.Sprintf("%s=%d", name, v))
	}
	sort.Strings(kv)
	p.lines.Printf("%s %d bytes %d dropped %d per-shard [%s]%s kernel %s", p.unit, total.Packets, total.Bytes, total.Dropped, strings.Join(per, " "), conns, strings.Join(kv, " "))
}

type jsonPrinter struct{ js *cli.NDJSON }

// benchEvent is the result of a --bench run. Both events were maps once,
// so their fields are declared in the alphabetical order of their JSON
// names: the lines stay byte for byte what scripts have read.
type benchEvent struct {
	Bytes      int64   `json:"bytes"`
	ElapsedMS  float64 `json:"elapsed_ms"`
	Flows      int     `json:"flows"`
	Lost       int64   `json:"lost"`
	PerSecond  float64 `json:"per_second"`
	RoundTrips int64   `json:"round_trips"`
	RTTP50ms   float64 `json:"rtt_p50_ms"`
	RTTP90ms   float64 `json:"rtt_p90_ms"`
	RTTP99ms   float64 `json:"rtt_p99_ms"`
	Size       int     `json:"size"`
	Type       string  `json:"type"` // "bench"
}

// statsEvent is a server's statistics report.
type statsEvent struct {
	Final  bool             `json:"final"`
	Kernel map[string]int64 `json:"kernel"`
	Shards []shardSnapshot  `json:"shards"`
	Time   string           `json:"time"`
	Type   string           `json:"type"` // "stats"
}

func (p jsonPrinter) bench(r BenchResult, size int) {
	_ = p.js.Emit(benchEvent{Type: "bench", Bytes: r.Bytes, ElapsedMS: cli.Millis(r.Elapsed), Flows: r.Flows, Lost: r.Lost,
		PerSecond: r.PerSecond(), RoundTrips: r.RoundTrips, RTTP50ms: cli.Millis(r.RTT.P50), RTTP90ms: cli.Millis(r.RTT.P90),
		RTTP99ms: cli.Millis(r.RTT.P99), Size: size})
}

func (p jsonPrinter) stats(r statsReport) {
	_ = p.js.Emit(statsEvent{Type: "stats", Final: r.final, Kernel: r.kernel, Shards: r.shards, Time: cli.Timestamp(time.Now())})
}
