package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
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

// process runs a server binary until stop.
func process(argv ...string) (func(), error) {
	cmd := exec.Command(labrun.Tool(argv[0]), argv[1:]...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	return func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }, nil
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
func plainProcess(proto string, port int) (func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), plainServerEnv+"="+proto+":"+strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	return func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

// Echo servers on loopback, 64-byte ping-pong from the same load generator
// (pkg/echo's Bench, in this process): 16 UDP flows, 100 TCP connections.
func init() {
	register(60, "echo", func(_ *netlab.Lab, report func(row)) error {
		const d = 2 * time.Second
		for _, proto := range []string{"udp", "tcp"} {
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
			measure := func(start func(port int) (func(), error)) (echo.BenchResult, error) {
				port, err := freePort()
				if err != nil {
					return echo.BenchResult{}, err
				}
				stop, err := start(port)
				if err != nil {
					return echo.BenchResult{}, err
				}
				defer stop()
				return echo.Bench(context.Background(), proto, "127.0.0.1:"+strconv.Itoa(port), flows, d, 64)
			}
			base, err := measure(func(port int) (func(), error) { return plainProcess(proto, port) })
			if err != nil {
				return fmt.Errorf("%s: %v", plainName, err)
			}
			sc, err := measure(func(port int) (func(), error) { return process(socat(port)...) })
			if err != nil {
				return fmt.Errorf("socat: %v", err)
			}
			for _, shards := range []int{1, 2} {
				ours, err := measure(func(port int) (func(), error) {
					return process(tool, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-w", strconv.Itoa(shards))
				})
				if err != nil {
					return fmt.Errorf("%s: %v", tool, err)
				}
				what := fmt.Sprintf("%s, %d shard(s), %d flows, 64 B: round trips/s", tool, shards, flows)
				report(row{Measure: what, Ours: ours.PerSecond(), Peer: base.PerSecond(), PeerCmd: plainName, Unit: "rt/s", HigherIsBetter: true,
					Note: fmt.Sprintf("p99 %.3f vs %.3f ms", float64(ours.RTT.P99)/1e6, float64(base.RTT.P99)/1e6)})
				report(row{Measure: what, Ours: ours.PerSecond(), Peer: sc.PerSecond(), PeerCmd: "socat", Unit: "rt/s", HigherIsBetter: true,
					Note: fmt.Sprintf("p99 %.3f vs %.3f ms", float64(ours.RTT.P99)/1e6, float64(sc.RTT.P99)/1e6)})
			}
		}
		return nil
	})
}
