package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/echo"
	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// freePort finds a port free for both TCP and UDP on loopback.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// plainUDP is the baseline: a net.UDPConn read/write loop.
func plainUDP(port int) (func(), error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, a, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			c.WriteTo(buf[:n], a)
		}
	}()
	return func() { c.Close() }, nil
}

// plainTCP is the baseline: a goroutine per connection doing io.Copy.
func plainTCP(port int) (func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return func() { l.Close() }, nil
}

// server is a running server process: its pid (to read its CPU time) and
// how to stop it.
type server struct {
	pid  int
	stop func()
}

// process runs a server binary until stop.
func process(argv ...string) (server, error) {
	cmd := exec.Command(labrun.Tool(argv[0]), argv[1:]...)
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	time.Sleep(300 * time.Millisecond)
	return server{cmd.Process.Pid, func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }}, nil
}

// plainServerEnv makes this benchmark binary, re-executed, a baseline
// server process, so every server runs in its own process as ours do.
const plainServerEnv = "GNETUTILS_BENCH_PLAIN_SERVER"

func init() {
	spec := os.Getenv(plainServerEnv)
	if spec == "" {
		return
	}
	proto, port, _ := strings.Cut(spec, ":")
	p, _ := strconv.Atoi(port)
	var err error
	if proto == "udp" {
		_, err = plainUDP(p)
	} else {
		_, err = plainTCP(p)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	select {}
}

// plainProcess starts the baseline server in a process of its own.
func plainProcess(proto string, port int) (server, error) {
	self, err := os.Executable()
	if err != nil {
		return server{}, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), plainServerEnv+"="+proto+":"+strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	time.Sleep(300 * time.Millisecond)
	return server{cmd.Process.Pid, func() { cmd.Process.Kill(); cmd.Wait() }}, nil
}

// cpuTime is the user and system time a process and its reaped children
// (socat's forks) have used so far (/proc/PID/stat, in 10 ms clock ticks).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: from state (field 3) on; utime, stime, cutime and
	// cstime are fields 14 to 17.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return 0
	}
	ticks := 0
	for _, v := range f[11:15] {
		n, _ := strconv.Atoi(v)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// run is one measured run: what the load generator saw, and the server
// process's CPU time per round trip.
type run struct {
	echo.BenchResult
	cpuPerRT time.Duration
}

// rounds is how many times each server is measured, in turn with the
// others: the figure kept is the median run, so a moment when another
// process takes the cores weighs on no server more than on the others.
const rounds = 3

// Echo servers on loopback, 64-byte ping-pong from the same load generator
// (pkg/echo's Bench, in this process): 16 UDP flows, 100 TCP connections.
func init() {
	register(60, "echo", func(_ *netlab.Lab, report func(row)) error {
		for _, proto := range []string{"udp", "tcp"} {
			if err := benchEcho(proto, report); err != nil {
				return err
			}
		}
		return nil
	})
}

// benchEcho measures our echo server for proto with 1 and 2 shards beside
// the plain Go server (median of rounds each, interleaved) and socat.
func benchEcho(proto string, report func(row)) error {
	flows, tool, plainName := 16, "gudpecho", "plain Go net.UDPConn loop"
	socat := func(port int) []string {
		return []string{"socat", "UDP4-RECVFROM:" + strconv.Itoa(port) + ",fork", "PIPE"}
	}
	if proto == "tcp" {
		flows, tool, plainName = 100, "gtcpecho", "goroutine-per-conn io.Copy"
		socat = func(port int) []string {
			return []string{"socat", "TCP4-LISTEN:" + strconv.Itoa(port) + ",fork,reuseaddr,backlog=512", "PIPE"}
		}
	}
	measure := func(start func(port int) (server, error)) (run, error) { return measureEcho(proto, flows, start) }
	ours := func(shards int) func(port int) (server, error) {
		return func(port int) (server, error) {
			args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-w", strconv.Itoa(shards)}
			if proto == "udp" {
				// The default per-prefix rate limit is for exposed servers;
				// a throughput bench from one address turns it off.
				args = append(args, "--rate", "0")
			}
			return process(append([]string{tool}, args...)...)
		}
	}
	// socat (a fork per datagram or connection) is far behind
	// either way: one run of it is enough.
	sc, err := measure(func(port int) (server, error) { return process(socat(port)...) })
	if err != nil {
		return fmt.Errorf("socat: %v", err)
	}
	var base []run
	mine := map[int][]run{}
	for i := 0; i < rounds; i++ {
		r, err := measure(func(port int) (server, error) { return plainProcess(proto, port) })
		if err != nil {
			return fmt.Errorf("%s: %v", plainName, err)
		}
		base = append(base, r)
		for _, shards := range []int{1, 2} {
			r, err := measure(ours(shards))
			if err != nil {
				return fmt.Errorf("%s: %v", tool, err)
			}
			mine[shards] = append(mine[shards], r)
		}
	}
	b := median(base)
	for _, shards := range []int{1, 2} {
		o := median(mine[shards])
		what := fmt.Sprintf("%s, %d shard(s), %d flows, 64 B: round trips/s", tool, shards, flows)
		report(row{Measure: what, Ours: o.PerSecond(), Peer: b.PerSecond(), PeerCmd: plainName, Unit: "rt/s", HigherIsBetter: true,
			Note: fmt.Sprintf("median of %d; p99 %.3f vs %.3f ms; server CPU %.1f vs %.1f µs/rt", rounds,
				float64(o.RTT.P99)/1e6, float64(b.RTT.P99)/1e6, micros(o.cpuPerRT), micros(b.cpuPerRT))})
		report(row{Measure: what, Ours: o.PerSecond(), Peer: sc.PerSecond(), PeerCmd: "socat", Unit: "rt/s", HigherIsBetter: true,
			Note: fmt.Sprintf("p99 %.3f vs %.3f ms; server CPU %.1f vs %.1f µs/rt",
				float64(o.RTT.P99)/1e6, float64(sc.RTT.P99)/1e6, micros(o.cpuPerRT), micros(sc.cpuPerRT))})
	}
	return nil
}

// measureEcho starts a server on a free loopback port and runs echo.Bench
// against it for 2 s with flows flows of 64-byte messages, with the
// server's CPU time per round trip.
func measureEcho(proto string, flows int, start func(port int) (server, error)) (run, error) {
	const d = 2 * time.Second
	port, err := freePort()
	if err != nil {
		return run{}, err
	}
	srv, err := start(port)
	if err != nil {
		return run{}, err
	}
	defer srv.stop()
	cpu0 := cpuTime(srv.pid)
	r, err := echo.Bench(context.Background(), proto, "127.0.0.1:"+strconv.Itoa(port), flows, d, 64)
	out := run{BenchResult: r}
	if r.RoundTrips > 0 {
		out.cpuPerRT = (cpuTime(srv.pid) - cpu0) / time.Duration(r.RoundTrips)
	}
	return out, err
}

// median is the run with the median round trips/s.
func median(runs []run) run {
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b run) int { return cmp.Compare(a.PerSecond(), b.PerSecond()) })
	return s[len(s)/2]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
