package netlab

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, ns *NS, name string, args ...string) string {
	t.Helper()
	out, err := ns.Command(context.Background(), name, args...).CombinedOutput()
	if err != nil {
		t.Logf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var hopLine = regexp.MustCompile(`(?m)^\s*(\d+)\s+(\S+)`)

// tracerouteHops returns the first address (or "*") of each hop of
// `traceroute -n` output.
func tracerouteHops(out string) []string {
	var hops []string
	for _, m := range hopLine.FindAllStringSubmatch(out, -1) {
		hops = append(hops, m[2])
	}
	return hops
}

func TestLabChainForwardsIPv4AndIPv6(t *testing.T) {
	Need(t, "ping", "traceroute")
	c := MustChain(t, ChainConfig{Routers: 3, NoICMPRateLimit: true})
	for _, target := range []string{c.H2Addr4(), c.H2Addr6()} {
		t.Run("ping "+target, func(t *testing.T) {
			out := run(t, c.H1, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", target)
			if !strings.Contains(out, "2 received") {
				t.Errorf("ping %s from h1: want 2 received, got:\n%s", target, out)
			}
		})
	}
	for _, v6 := range []bool{false, true} {
		target, want := c.H2Addr4(), []string{c.RouterAddr4(1), c.RouterAddr4(2), c.RouterAddr4(3), c.H2Addr4()}
		args := []string{"-n", "-q", "1", "-w", "2"}
		if v6 {
			target, want = c.H2Addr6(), []string{c.RouterAddr6(1), c.RouterAddr6(2), c.RouterAddr6(3), c.H2Addr6()}
			args = append(args, "-6")
		}
		out := run(t, c.H1, "traceroute", append(args, target)...)
		if got := tracerouteHops(out); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("traceroute %s: hops %v, want %v\n%s", target, got, want, out)
		}
	}
}

// The first packet to a neighbour gets through without waiting for a
// neighbour-discovery retransmission (a lab ready to measure at once).
func TestLabFirstPacketIsPrompt(t *testing.T) {
	Need(t, "ping")
	c := MustChain(t, ChainConfig{Routers: 1})
	for _, target := range []string{c.RouterAddr4(1), c.RouterAddr6(1), c.H2Addr6()} {
		t.Run(target, func(t *testing.T) {
			out := run(t, c.H1, "ping", "-n", "-c", "1", "-W", "3", target)
			m := rttLine.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no reply:\n%s", out)
			}
			if rtt, _ := strconv.ParseFloat(m[1], 64); rtt > 200 {
				t.Errorf("first ping to %s took %.1f ms (neighbour discovery retransmitted?)\n%s", target, rtt, out)
			}
		})
	}
}

func TestLabPerLinkMTU(t *testing.T) {
	Need(t, "ping", "tracepath")
	c := MustChain(t, ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1300, 1500}, NoICMPRateLimit: true})
	// Before anything taught h1 the path MTU, the first router reports the
	// 1400-byte link ahead of it.
	out := run(t, c.H1, "ping", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", c.H2Addr4())
	if !strings.Contains(out, "Frag needed and DF set (mtu = 1400)") {
		t.Errorf("ping -M do -s 1472: want frag needed with mtu 1400\n%s", out)
	}
	for _, target := range []string{c.H2Addr4(), c.H2Addr6()} {
		t.Run("tracepath "+target, func(t *testing.T) {
			out := run(t, c.H1, "tracepath", "-n", target)
			if !strings.Contains(out, "Resume: pmtu 1300") {
				t.Errorf("tracepath %s: want pmtu 1300\n%s", target, out)
			}
		})
	}
}

func TestLabSilentHop(t *testing.T) {
	Need(t, "traceroute")
	c := MustChain(t, ChainConfig{Routers: 3, NoICMPRateLimit: true})
	if err := c.Routers[1].DropTimeExceeded(); err != nil {
		t.Fatal(err)
	}
	out := run(t, c.H1, "traceroute", "-n", "-q", "1", "-w", "1", c.H2Addr4())
	want := []string{c.RouterAddr4(1), "*", c.RouterAddr4(3), c.H2Addr4()}
	if got := tracerouteHops(out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hops %v, want %v\n%s", got, want, out)
	}
}

func TestLabPMTUBlackHole(t *testing.T) {
	Need(t, "ping")
	c := MustChain(t, ChainConfig{Routers: 2, MTU: []int{1500, 1500, 1300}, NoICMPRateLimit: true})
	ping := func() string {
		return run(t, c.H1, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-M", "do", "-s", "1400", c.H2Addr4())
	}
	if out := ping(); !strings.Contains(out, "mtu = 1300") {
		t.Fatalf("before the rule, r2 should report mtu 1300:\n%s", out)
	}
	if err := c.Routers[1].DropFragNeeded(); err != nil {
		t.Fatal(err)
	}
	// A new namespace-wide route cache entry may remember 1300; flush it.
	_ = c.H1.IP("route", "flush", "cache")
	if out := ping(); strings.Contains(out, "mtu =") || !strings.Contains(out, " 0 received") {
		t.Errorf("black hole: want silence, got:\n%s", out)
	}
	// Small packets still pass.
	if out := run(t, c.H1, "ping", "-n", "-c", "1", "-W", "2", c.H2Addr4()); !strings.Contains(out, "1 received") {
		t.Errorf("small ping through the black hole:\n%s", out)
	}
}

func TestLabDeadHost(t *testing.T) {
	Need(t, "ping")
	c := MustChain(t, ChainConfig{Routers: 1})
	if err := c.H2.DropAll(); err != nil {
		t.Fatal(err)
	}
	out := run(t, c.H1, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", c.H2Addr4())
	if !strings.Contains(out, " 0 received") {
		t.Errorf("dead host answered:\n%s", out)
	}
}

var (
	rttLine   = regexp.MustCompile(`rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms`)
	replyTime = regexp.MustCompile(`icmp_seq=\d+ ttl=\d+ time=([\d.]+) ms`)
)

func TestLabDelayLink(t *testing.T) {
	Need(t, "ping")
	for _, oneWay := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(oneWay.String(), func(t *testing.T) {
			c := MustChain(t, ChainConfig{Routers: 1, Delay: []time.Duration{oneWay, 0}})
			for _, target := range []string{c.H2Addr4(), c.H2Addr6()} {
				// The first packet would also wait for ARP / neighbour discovery
				// across the delay; resolve first, as a warm link would have.
				run(t, c.H1, "ping", "-n", "-c", "1", "-W", "2", target)
				out := run(t, c.H1, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", target)
				m := rttLine.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("no rtt line:\n%s", out)
				}
				minRTT, _ := strconv.ParseFloat(m[1], 64)
				avg, _ := strconv.ParseFloat(m[2], 64)
				// The median reply: one reply held up while the machine is
				// busy (the forwarder is a user-space process) moves the
				// average by a fifth of its delay, not the median.
				var rtts []float64
				for _, r := range replyTime.FindAllStringSubmatch(out, -1) {
					v, _ := strconv.ParseFloat(r[1], 64)
					rtts = append(rtts, v)
				}
				if len(rtts) != 5 {
					t.Fatalf("%s: %d replies, want 5:\n%s", target, len(rtts), out)
				}
				slices.Sort(rtts)
				median := rtts[2]
				want := float64(2*oneWay) / float64(time.Millisecond)
				t.Logf("%s: one-way delay %v, median rtt %.3f ms (avg %.3f)", target, oneWay, median, avg)
				if median < want*0.8 || median > want*1.2 {
					t.Errorf("%s: median rtt %.3f ms, want %.1f ms ±20%%\n%s", target, median, want, out)
				}
				// Never faster than the delay asked for, either way round.
				if minRTT < want*0.99 {
					t.Errorf("%s: a reply in %.3f ms, under the %.1f ms the line must add\n%s", target, minRTT, want, out)
				}
			}
			// Large frames cross whole, both ways (no offload surprises).
			out := run(t, c.H1, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do", "-s", "1472", c.H2Addr4())
			if !strings.Contains(out, "2 received") {
				t.Errorf("full-size frames through the delay line:\n%s", out)
			}
		})
	}
}

func TestLabDoAndTCPThroughDelay(t *testing.T) {
	c := MustChain(t, ChainConfig{Routers: 0, Delay: []time.Duration{10 * time.Millisecond}})
	var ln net.Listener
	if err := c.H2.Do(func() (err error) {
		ln, err = net.Listen("tcp", "[::]:7000")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	payload := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB: real checksums and MTU-sized frames
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = conn.Write([]byte(payload))
	}()
	var conn net.Conn
	if err := c.H1.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp", net.JoinHostPort(c.H2Addr4(), "7000"), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var got strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if got.String() != payload {
		t.Fatalf("received %d bytes, want %d identical", got.Len(), len(payload))
	}
}

func TestLabSegmentARP(t *testing.T) {
	Need(t, "arping")
	s := MustSegment(t, SegmentConfig{Hosts: 3})
	mac, err := s.Hosts[2].MAC("eth0")
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, s.Hosts[0], "arping", "-c", "1", "-w", "2", "-I", "eth0", s.Addr4(2))
	if !strings.Contains(strings.ToLower(out), mac.String()) {
		t.Errorf("arping %s: want MAC %s\n%s", s.Addr4(2), mac, out)
	}
	if out := run(t, s.Hosts[0], "ping", "-n", "-c", "1", "-W", "2", s.Addr6(1)); !strings.Contains(out, "1 received") {
		t.Errorf("IPv6 across the bridge:\n%s", out)
	}
}

// TestLabCleanup runs a test that builds a lab, starts a process in it and
// then fails; afterwards no namespace of that lab and no process remain.
func TestLabCleanup(t *testing.T) {
	if os.Getenv("NETLAB_CLEANUP_CHILD") == "1" {
		c := MustChain(t, ChainConfig{Routers: 1, Delay: []time.Duration{time.Millisecond}})
		cmd := c.H2.Command(context.Background(), "sleep", "600")
		if err := c.H2.Start(cmd); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("LAB %s PID %d\n", c.Lab.Prefix, cmd.Process.Pid)
		t.Fatal("failing on purpose: cleanup must still happen")
	}
	if why := Available(); why != "" {
		t.Skip(why)
	}
	before := Namespaces()
	child := exec.Command(os.Args[0], "-test.run", "^TestLabCleanup$", "-test.v")
	child.Env = append(os.Environ(), "NETLAB_CLEANUP_CHILD=1")
	out, err := child.CombinedOutput()
	if err == nil {
		t.Fatalf("child test should have failed:\n%s", out)
	}
	m := regexp.MustCompile(`LAB (\S+) PID (\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("child did not build its lab:\n%s", out)
	}
	prefix, pid := m[1], m[2]
	// Only the child's own namespaces count: go test runs other packages'
	// lab tests at the same time, and their labs come and go meanwhile.
	existed := make(map[string]bool)
	for _, ns := range before {
		existed[ns] = true
	}
	for _, ns := range Namespaces() {
		if !existed[ns] && strings.HasPrefix(ns, prefix) {
			t.Errorf("namespace %s left behind (namespaces before the child: %v)", ns, before)
		}
	}
	if _, err := os.Stat("/proc/" + pid); err == nil {
		t.Errorf("process %s (sleep in the lab) still runs", pid)
	}
}
