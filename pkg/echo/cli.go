package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
)

// kernelCounters are the kernel's own drop counters each server reports.
var kernelCounters = map[string][]string{
	"udp": {"UdpRcvbufErrors", "UdpSndbufErrors", "Udp6RcvbufErrors", "Udp6SndbufErrors", "UdpInErrors"},
	"tcp": {"TcpExtListenOverflows", "TcpExtListenDrops"},
}

// Run is the whole CLI of gudpecho (proto "udp") and gtcpecho ("tcp").
func Run(ctx context.Context, proto string, command cli.Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var (
		common   cli.Common
		listen   string
		port     int
		shards   int
		client   string
		bench    string
		flows    int
		duration time.Duration
		size     int
		verbose  bool
		every    time.Duration
		blocked  string
		noLoop   bool
		rate     int
		maxConns int
		idle     time.Duration
		grace    time.Duration
	)
	fs := command.NewFlagSet(&common)
	fs.StringVarP(&listen, "listen", "l", "::", "address to listen on (:: takes IPv4 too)")
	fs.IntVarP(&port, "port", "p", 7, "port to listen on (the echo service's 7 needs root or CAP_NET_BIND_SERVICE)")
	fs.IntVarP(&shards, "shards", "w", runtime.NumCPU(), "SO_REUSEPORT sockets, each on its own OS thread")
	fs.StringVar(&client, "client", "", "client mode: send stdin to HOST:PORT and print what comes back")
	fs.StringVar(&bench, "bench", "", "load mode: ping-pong against HOST:PORT and report round trips/s and latency")
	fs.IntVarP(&flows, "conns", "c", 16, "--bench: concurrent flows (each its own socket)")
	fs.DurationVarP(&duration, "duration", "d", 5*time.Second, "--bench: how long")
	fs.IntVarP(&size, "size", "s", 64, "--bench: message size in bytes")
	fs.BoolVarP(&verbose, "verbose", "v", false, "log connections (TCP)")
	fs.DurationVar(&every, "stats", 0, "print a statistics line at this interval (e.g. 1s)")
	if proto == "udp" {
		fs.StringVar(&blocked, "blocked-ports", joinInts(defaultBlockedPorts), "source ports never answered (reflectors and well-known services)")
		fs.BoolVar(&noLoop, "no-loopback", false, "do not answer loopback clients")
		fs.IntVar(&rate, "rate", 0, "answer at most this many datagrams per second per source (0: no limit)")
	} else {
		fs.IntVar(&maxConns, "max-conns", 0, "refuse connections beyond this many open at once (0: no limit)")
		fs.DurationVar(&idle, "idle-timeout", 5*time.Minute, "close connections idle this long (0: never)")
		fs.DurationVar(&grace, "grace", 5*time.Second, "on SIGTERM/SIGINT, how long open connections may still be echoed")
	}
	if done, code := command.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	fail := func(format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return cli.ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q (try --help)", fs.Arg(0))
	case port < 0 || port > 65535:
		return fail("port %d out of range 0..65535", port)
	case shards < 1 || shards > 1024:
		return fail("shards %d out of range 1..1024", shards)
	case client != "" && bench != "":
		return fail("--client and --bench exclude each other")
	case flows < 1 || size < 0 || (proto == "udp" && size > maxDatagram-28) || duration <= 0:
		return fail("bad --bench parameters: -c %d -s %d -d %v", flows, size, duration)
	case rate < 0 || maxConns < 0 || idle < 0 || grace < 0:
		return fail("negative limits make no sense")
	}
	if client != "" {
		var err error
		if proto == "udp" {
			err = udpClient(ctx, client, stdin, stdout, time.Second)
		} else {
			err = tcpClient(ctx, client, stdin, stdout)
		}
		if err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return cli.ExitFail
		}
		return cli.ExitOK
	}
	if bench != "" {
		r, err := Bench(ctx, proto, bench, flows, duration, size)
		if err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return cli.ExitFail
		}
		if common.JSON {
			_ = cli.NewNDJSON(stdout).Emit(map[string]any{"type": "bench", "flows": r.Flows, "size": size, "round_trips": r.RoundTrips,
				"per_second": r.PerSecond(), "lost": r.Lost, "bytes": r.Bytes, "elapsed_ms": cli.Millis(r.Elapsed),
				"rtt_p50_ms": cli.Millis(r.RTT.P50), "rtt_p90_ms": cli.Millis(r.RTT.P90), "rtt_p99_ms": cli.Millis(r.RTT.P99)})
		} else {
			cli.NewLines(stdout).Printf("%s", benchLine(r, size))
		}
		return cli.ExitOK
	}

	ip, err := netip.ParseAddr(listen)
	if err != nil {
		return fail("bad listen address %q", listen)
	}
	addr := netip.AddrPortFrom(ip, uint16(port))
	before, _ := kstat.Read() // this thread's namespace: the server's
	var (
		snap  func() []shardSnapshot
		stop  func()
		bound netip.AddrPort
		extra func() string
	)
	switch proto {
	case "udp":
		ports, err := parseInts(blocked)
		if err != nil {
			return fail("--blocked-ports: %v", err)
		}
		s, err := startUDP(ctx, udpConfig{Addr: addr, Shards: shards, BlockedPorts: ports, AllowLoopback: !noLoop, Rate: rate})
		if err != nil {
			return fail("%s", listenError(err, port))
		}
		snap, stop, bound = s.Stats, s.Close, s.Addr()
		extra = func() string { return "" }
	default:
		var logw io.Writer
		if verbose {
			logw = stderr
		}
		s, err := startTCP(ctx, tcpConfig{Addr: addr, Shards: shards, MaxConns: maxConns, IdleTimeout: idle, Grace: grace, Log: logw})
		if err != nil {
			return fail("%s", listenError(err, port))
		}
		snap, stop, bound = s.Stats, s.Shutdown, s.Addr()
		extra = func() string {
			return fmt.Sprintf(" open %d refused %d unread-at-close %d", s.Active(), s.Refused(), s.Lost())
		}
	}
	fmt.Fprintf(stderr, "%s: listening on %s (%s) with %d shards\n", command.Name, bound, proto, shards)
	lines, js := cli.NewLines(stdout), (*cli.NDJSON)(nil)
	if common.JSON {
		js = cli.NewNDJSON(stdout)
	}
	report := func(final bool) {
		now, _ := kstat.Read()
		delta := now.Delta(before)
		kern := map[string]int64{}
		for _, name := range kernelCounters[proto] {
			kern[name] = delta[name]
		}
		shardsNow := snap()
		if js != nil {
			_ = js.Emit(map[string]any{"type": "stats", "final": final, "shards": shardsNow, "kernel": kern, "time": cli.Timestamp(time.Now())})
			return
		}
		var total shardSnapshot
		var per []string
		for _, s := range shardsNow {
			total.Packets += s.Packets
			total.Bytes += s.Bytes
			total.Dropped += s.Dropped
			per = append(per, strconv.FormatInt(s.Packets, 10))
		}
		unit := "datagrams"
		if proto == "tcp" {
			unit = "connections"
		}
		var kv []string
		for _, name := range kernelCounters[proto] {
			kv = append(kv, fmt.Sprintf("%s=%d", name, kern[name]))
		}
		sort.Strings(kv)
		lines.Printf("%s %d bytes %d dropped %d per-shard [%s]%s kernel %s", unit, total.Packets, total.Bytes, total.Dropped, strings.Join(per, " "), extra(), strings.Join(kv, " "))
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-usr1:
			report(false)
		case <-tick:
			report(false)
		}
	}
	stop()
	report(true)
	return cli.ExitOK
}

func listenError(err error, port int) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Sprintf("port %d is in use by another program (not one of ours with SO_REUSEPORT): %v", port, err)
	case errors.Is(err, syscall.EACCES) && port < 1024:
		return fmt.Sprintf("port %d needs root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service+ep <binary>), or pick one above 1023 with -p", port)
	}
	return err.Error()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("bad port %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
