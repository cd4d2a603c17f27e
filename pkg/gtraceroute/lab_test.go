package gtraceroute

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

// gtraceroute runs gtraceroute in-process inside ns, and times it.
func gtraceroute(t *testing.T, ns *netlab.NS, args ...string) (string, string, int, time.Duration) {
	t.Helper()
	start := time.Now()
	out, errOut, code := ns.RunTool(t, Run, args...)
	return out, errOut, code, time.Since(start)
}

func traceroute(t *testing.T, ns *netlab.NS, args ...string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	out, err := ns.Command(context.Background(), "traceroute", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("traceroute %v: %v\n%s", args, err, out)
	}
	return string(out), time.Since(start)
}

var (
	hopLineRE = regexp.MustCompile(`(?m)^ ?(\d+) (.*)$`)
	addrRE    = regexp.MustCompile(`(?:^| )([0-9a-f.:]+[0-9a-f])  `)
	annotRE   = regexp.MustCompile(`!\S+`)
)

// hops reduces traceroute output to one entry per hop: the addresses that
// answered (in order, once each) and the annotations, or "*" for none.
func hops(out string) []string {
	var res []string
	for _, m := range hopLineRE.FindAllStringSubmatch(out, -1) {
		var addrs []string
		seen := map[string]bool{}
		for _, a := range addrRE.FindAllStringSubmatch(m[2]+"  ", -1) {
			if !seen[a[1]] {
				seen[a[1]] = true
				addrs = append(addrs, a[1])
			}
		}
		entry := m[1] + " " + strings.Join(addrs, ",")
		if len(addrs) == 0 {
			entry = m[1] + " *"
		}
		if an := annotRE.FindAllString(m[2], -1); len(an) > 0 {
			entry += " " + an[0]
		}
		res = append(res, entry)
	}
	return res
}

func quietChain(t *testing.T, mtu []int) *netlab.Chain {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, MTU: mtu, NoICMPRateLimit: true})
	// The destination's own rate limit too, so both tools see every answer.
	if err := netlab.NoICMPRateLimit(c.H2); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLabSameHops: for every method and both families, the same hops in the
// same order as traceroute -n with the same method; no goroutine is left
// behind by any method.
func TestLabSameHops(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	before := runtime.NumGoroutine()
	defer func() {
		for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%d goroutines after the traces, %d before", n, before)
		}
	}()
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, method := range [][]string{nil, {"-I"}, {"-T"}} {
			args := append(append([]string{"-n"}, method...), dst)
			want, _ := traceroute(t, c.H1, args...)
			got, errOut, code, _ := gtraceroute(t, c.H1, args...)
			if code != 0 || strings.Join(hops(got), "|") != strings.Join(hops(want), "|") || len(hops(got)) != 4 {
				t.Errorf("%v: exit %d %s\n--- gtraceroute:\n%s--- traceroute:\n%s", args, code, errOut, got, want)
			}
			if first := strings.SplitN(got, "\n", 2)[0]; first != strings.SplitN(want, "\n", 2)[0] {
				t.Errorf("%v: header %q, traceroute's %q", args, first, strings.SplitN(want, "\n", 2)[0])
			}
		}
	}
}

// TestLabSilentHop: a router that sends no time-exceeded is a line of
// stars, and the trace still reaches the destination, sooner than
// traceroute.
func TestLabSilentHop(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	if err := c.Routers[1].DropTimeExceeded(); err != nil {
		t.Fatal(err)
	}
	dst := c.H2Addr4()
	want, peerTime := traceroute(t, c.H1, "-n", dst)
	got, _, code, ours := gtraceroute(t, c.H1, "-n", dst)
	if code != 0 || strings.Join(hops(got), "|") != strings.Join(hops(want), "|") || hops(got)[1] != "2 *" {
		t.Errorf("exit %d\n--- gtraceroute:\n%s--- traceroute:\n%s", code, got, want)
	}
	t.Logf("silent hop: gtraceroute %v, traceroute %v", ours.Round(time.Millisecond), peerTime.Round(time.Millisecond))
}

// TestLabEndings: an unreachable destination and a too small link end the
// trace with the same annotation as traceroute's.
func TestLabEndings(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := refusingChain(t)
	tests := []struct {
		args  []string
		annot string
	}{
		{[]string{"-n", "198.18.99.1"}, "!N"},
		{[]string{"-n", "fd00:0:0:99::1"}, "!N"},
		{[]string{"-n", "-I", "198.18.98.1"}, "!X"},
		{[]string{"-n", "fd00:0:0:98::1"}, "!X"},
		{[]string{"-n", "-F", c.H2Addr6(), "1500"}, "!F-1400"},
		{[]string{"-n", "-p", "40002", "-U", c.H2Addr4()}, "3 " + c.RouterAddr4(2)},
		{[]string{"-n", "-p", "40002", "-U", c.H2Addr6()}, "3 " + c.RouterAddr6(2)},
		{[]string{"-n", "-p", "40003", "-T", c.H2Addr4()}, "3 " + c.RouterAddr4(2) + " !P"},
		{[]string{"-n", "-p", "40000", "-U", c.H2Addr4()}, "!H"},
		{[]string{"-n", "-p", "40000", "-U", c.H2Addr6()}, "!H"},
		{[]string{"-n", "-p", "40001", "-U", c.H2Addr4()}, "!X"},
		{[]string{"-n", "-F", c.H2Addr4(), "1500"}, "!F-1400"},
	}
	for _, tc := range tests {
		flush := func() { c.H1.Exec("ip", "route", "flush", "cache") }
		flush()
		want, _ := traceroute(t, c.H1, tc.args...)
		flush()
		got, errOut, code, _ := gtraceroute(t, c.H1, tc.args...)
		h := hops(got)
		if code != 0 || strings.Join(h, "|") != strings.Join(hops(want), "|") || len(h) == 0 || !strings.HasSuffix(h[len(h)-1], tc.annot) {
			t.Errorf("%v: exit %d %s, want last hop %s\n--- gtraceroute:\n%s--- traceroute:\n%s", tc.args, code, errOut, tc.annot, got, want)
		}
	}
}

// refusingChain is quietChain with a 1400-byte second link and refusals
// on the way: h2 rejects UDP ports 40000 (host, or address, unreachable)
// and 40001 (admin prohibited); r2 refuses 198.18.98.0/24 and
// fd00:0:0:98::/64 by route type (r1 routes them there), forwarded UDP
// port 40002 (port unreachable) and TCP port 40003 (protocol unreachable).
func refusingChain(t *testing.T) *netlab.Chain {
	c := quietChain(t, []int{1500, 1400, 1500, 1500})
	if err := c.H2.Nft(`table inet refuse {
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport 40000 reject with icmp type host-unreachable
		udp dport 40000 reject with icmpv6 type addr-unreachable
		udp dport 40001 reject with icmp type admin-prohibited
	}
}
`); err != nil {
		t.Fatal(err)
	}
	// r2 refuses a prefix by route type (admin prohibited), r1 sends it
	// there; an address outside the lab has no route at r1 at all.
	for _, cmd := range [][]string{
		{"route", "add", "198.18.98.0/24", "via", c.RouterAddr4(2)},
		{"-6", "route", "add", "fd00:0:0:98::/64", "via", c.RouterAddr6(2)},
	} {
		if err := c.Routers[0].IP(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range [][]string{{"route", "add", "prohibit", "198.18.98.0/24"}, {"-6", "route", "add", "prohibit", "fd00:0:0:98::/64"}} {
		if err := c.Routers[1].IP(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	// r2 also rejects some forwarded ports itself, as a firewall would:
	// traceroute takes a port unreachable for arrival, whoever sends it.
	if err := c.Routers[1].Nft(`table inet refuse {
	chain forwarding {
		type filter hook forward priority 0; policy accept;
		udp dport 40002 reject with icmp type port-unreachable
		udp dport 40002 reject with icmpv6 type port-unreachable
		tcp dport 40003 reject with icmp type prot-unreachable
	}
}
`); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLabDefaultRateLimits: every node at the kernel's default ICMP rate
// limits (a burst of 6 answers, then one a second, per destination):
// gtraceroute sends 16 probes at once and still gets every hop, the same
// hops as traceroute run after it (once the limits have refilled). Run
// again at once, with every bucket drained by the first run, it still
// finds every hop and the destination at its distance, each of its queries
// answered (retried one per refill), before -w MAX. So does --report.
func TestLabDefaultRateLimits(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3})
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		got, _, code, _ := gtraceroute(t, c.H1, "-n", dst)
		again, _, codeAgain, took := gtraceroute(t, c.H1, "-n", dst)
		if codeAgain != 0 || strings.Join(hops(again), "|") != strings.Join(hops(got), "|") || strings.Contains(again, "*") || took > 4500*time.Millisecond {
			t.Errorf("%s, drained buckets: exit %d after %v\n--- gtraceroute:\n%s--- first run:\n%s", dst, codeAgain, took, again, got)
		}
		time.Sleep(6 * time.Second) // let the buckets refill for traceroute
		want, _ := traceroute(t, c.H1, "-n", dst)
		h := hops(got)
		if code != 0 || strings.Join(h, "|") != strings.Join(hops(want), "|") || len(h) != 4 || strings.Contains(got, "*") {
			t.Errorf("%s: exit %d\n--- gtraceroute:\n%s--- traceroute:\n%s", dst, code, got, want)
		}
		time.Sleep(6 * time.Second)
	}
	// mtr-style reports twice in a row: no loss either time, the
	// destination's one answer a second spent on the probes that count.
	for run := 1; run <= 2; run++ {
		rep, _, code, _ := gtraceroute(t, c.H1, "--report", "-c", "3", "-n", c.H2Addr4())
		if code != 0 || strings.Count(rep, ".|-- ") != 4 || strings.Count(rep, " 0.0%     3 ") != 4 {
			t.Errorf("report run %d: exit %d, want 4 hops without loss:\n%s", run, code, rep)
		}
	}
}

// TestLabJSONAndReport: --json has a reply object per probe, a hop object
// per hop and a summary;
// --report prints mtr's table with every hop.
func TestLabJSONAndReport(t *testing.T) {
	c := quietChain(t, nil)
	out, _, code, _ := gtraceroute(t, c.H1, "--json", "-n", "-I", c.H2Addr6())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last map[string]any
	types := map[string]int{}
	for _, l := range lines {
		last = nil
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		types[last["type"].(string)]++
		// As jq 'select(.type=="reply").rtt_ms' reads gping's replies.
		if last["type"] == "reply" && (last["rtt_ms"].(float64) <= 0 || last["from"] == nil || last["host"] != c.H2Addr6() || last["addr"] != c.H2Addr6()) {
			t.Errorf("reply without rtt_ms, from, host or addr: %s", l)
		}
	}
	if code != 0 || types["hop"] != 4 || types["reply"] != 12 || types["summary"] != 1 || last["type"] != "summary" || last["reached"] != true || last["hops"] != float64(4) {
		t.Errorf("exit %d, %v:\n%s", code, types, out)
	}
	rep, _, code, _ := gtraceroute(t, c.H1, "--report", "-c", "2", "-n", c.H2Addr4())
	if code != 0 || !strings.Contains(rep, "Loss%   Snt   Last   Avg  Best  Wrst StDev") || !strings.Contains(rep, "  4.|-- "+c.H2Addr4()) || strings.Count(rep, ".|-- ") != 4 {
		t.Errorf("report: exit %d\n%s", code, rep)
	}
}

// normalize hides what differs between two runs: times.
var normalize = clitest.Normalize(`\d+\.\d+ ms`, "ms")

// TestLabNames: without -n, hops print as "name (addr)" from the hosts
// file, or "addr (addr)" when there is no name, and the target given by
// name heads the trace: line for line traceroute's text, times aside.
// Then the default UDP method as user nobody: no privilege needed, the
// same hops; -T as nobody fails with how to grant CAP_NET_RAW.
func TestLabNames(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	hosts := fmt.Sprintf("127.0.0.1 localhost\n%s r1.lab\n%s r3.lab\n%s h2.lab\n%s r1-6.lab\n%s h2-6.lab\n",
		c.RouterAddr4(1), c.RouterAddr4(3), c.H2Addr4(), c.RouterAddr6(1), c.H2Addr6())
	if err := c.H1.WriteEtc("hosts", []byte(hosts)); err != nil {
		t.Fatal(err)
	}
	bin := netlab.Binary(t, "gtraceroute")
	run := func(argv ...string) (string, error) {
		out, err := c.H1.Command(context.Background(), argv[0], argv[1:]...).CombinedOutput()
		return string(out), err
	}
	for _, target := range []string{"h2.lab", "h2-6.lab"} {
		want, err := run("traceroute", target)
		if err != nil {
			t.Fatalf("traceroute %s: %v\n%s", target, err, want)
		}
		got, err := run(bin, target)
		if err != nil || normalize(got) != normalize(want) {
			t.Errorf("%s: %v\n--- gtraceroute:\n%s--- traceroute:\n%s", target, err, got, want)
		}
		t.Logf("gtraceroute %s:\n%s", target, got)
		if !strings.Contains(got, " r1") || !strings.Contains(got, "(") {
			t.Errorf("%s: no names in\n%s", target, got)
		}
	}
	netlab.Need(t, "setpriv")
	nobody := []string{"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin}
	dst := c.H2Addr4()
	want, _ := traceroute(t, c.H1, "-n", dst)
	got, err := run(append(nobody, "-n", dst)...)
	if err != nil || strings.Join(hops(got), "|") != strings.Join(hops(want), "|") {
		t.Errorf("UDP as nobody: %v\n--- gtraceroute:\n%s--- traceroute:\n%s", err, got, want)
	}
	out, err := run(append(nobody, "-n", "-T", dst)...)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "gtraceroute: ") || !strings.Contains(out, "setcap cap_net_raw+ep") {
		t.Errorf("-T as nobody: %v, want exit 1 (traceroute's) saying how to grant CAP_NET_RAW:\n%s", err, out)
	}
}

// TestLabNoRoute: in a namespace without routes every method fails at
// once as traceroute does: its first line, then the system's message, and
// exit status 1.
func TestLabNoRoute(t *testing.T) {
	netlab.Need(t, "traceroute")
	ns := netlab.ForTest(t).MustNS(t, "lone")
	for _, args := range [][]string{{"-n", "198.18.0.1"}, {"-n", "-I", "198.18.0.1"}, {"-n", "-T", "fd00::1"}} {
		cmd := ns.Command(context.Background(), "traceroute", args...)
		var wantOut, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("traceroute %v: %v\n%s%s", args, err, wantOut.String(), wantErr.String())
		}
		out, errOut, code, _ := gtraceroute(t, ns, args...)
		if code != ee.ExitCode() || strings.TrimSpace(out) != strings.TrimSpace(wantOut.String()) || errOut != "gtraceroute: "+strings.TrimSpace(wantErr.String())+"\n" {
			t.Errorf("%v: exit %d, %q, %q; traceroute: exit %d, %q, %q", args, code, out, errOut, ee.ExitCode(), wantOut.String(), wantErr.String())
		}
	}
}

// wireProbe is a probe as it left h1: its TTL and what a router hashing
// flows sees of it.
type wireProbe struct {
	ttl  int
	flow string
}

// captureProbes records the packets h1 sends to dst with protocol proto
// while run runs (an AF_PACKET socket in h1's namespace).
func captureProbes(t *testing.T, ns *netlab.NS, dst netip.Addr, proto int, run func()) []wireProbe {
	t.Helper()
	var got []wireProbe
	for _, b := range capturePackets(t, ns, run) {
		if p, ok := parseProbe(b, dst, proto); ok {
			got = append(got, p)
		}
	}
	return got
}

// capturePackets records the IP packets ns sends while run runs.
func capturePackets(t *testing.T, ns *netlab.NS, run func()) [][]byte {
	t.Helper()
	var fd int
	if err := ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(20 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan [][]byte)
	go func() {
		var got [][]byte
		buf := make([]byte, 65536)
		stopping := false
		for {
			if !stopping {
				select {
				case <-stop:
					stopping = true // read what is queued, then end
				default:
				}
			}
			n, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				if stopping {
					done <- got
					return
				}
				continue
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
				got = append(got, bytes.Clone(buf[:n]))
			}
		}
	}()
	run()
	close(stop)
	return <-done
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// parseProbe reads an IPv4 or IPv6 packet (no extension headers): the
// flow is the ports for UDP and TCP, the identifier and checksum for ICMP.
func parseProbe(b []byte, dst netip.Addr, proto int) (wireProbe, bool) {
	var ttl, p int
	var to netip.Addr
	var l4 []byte
	switch {
	case len(b) >= 20 && b[0]>>4 == 4:
		ihl := int(b[0]&15) * 4
		if len(b) < ihl+8 {
			return wireProbe{}, false
		}
		ttl, p, to, l4 = int(b[8]), int(b[9]), netip.AddrFrom4([4]byte(b[16:20])), b[ihl:]
	case len(b) >= 48 && b[0]>>4 == 6:
		ttl, p, to, l4 = int(b[7]), int(b[6]), netip.AddrFrom16([16]byte(b[24:40])), b[40:]
	default:
		return wireProbe{}, false
	}
	if to != dst || p != proto {
		return wireProbe{}, false
	}
	if p == unix.IPPROTO_ICMP || p == unix.IPPROTO_ICMPV6 {
		if l4[0] != 8 && l4[0] != 128 { // echo requests only
			return wireProbe{}, false
		}
		return wireProbe{ttl, fmt.Sprintf("icmp id %d checksum %#04x", binary.BigEndian.Uint16(l4[4:]), binary.BigEndian.Uint16(l4[2:]))}, true
	}
	return wireProbe{ttl, fmt.Sprintf("ports %d -> %d", binary.BigEndian.Uint16(l4[0:]), binary.BigEndian.Uint16(l4[2:]))}, true
}

// TestLabParisFlow: every probe of a trace leaves h1 as one flow (the same
// ports, or the same ICMP identifier and checksum), for every method and
// family, while the TTLs still cover the path. The capture itself is
// checked on traceroute's default UDP probes, which change port each time.
func TestLabParisFlow(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	classic := captureProbes(t, c.H1, netip.MustParseAddr(c.H2Addr4()), unix.IPPROTO_UDP, func() { traceroute(t, c.H1, "-n", c.H2Addr4()) })
	classicFlows := map[string]bool{}
	for _, p := range classic {
		classicFlows[p.flow] = true
	}
	if len(classicFlows) < 12 {
		t.Fatalf("traceroute's %d UDP probes seen as %d flows, expected one per probe: the capture misses them", len(classic), len(classicFlows))
	}
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		addr := netip.MustParseAddr(dst)
		for _, m := range []struct {
			flag  string
			proto int
		}{{"-U", unix.IPPROTO_UDP}, {"-I", unix.IPPROTO_ICMP}, {"-T", unix.IPPROTO_TCP}, {"-D", unix.IPPROTO_DCCP}} {
			proto := m.proto
			if proto == unix.IPPROTO_ICMP && addr.Is6() {
				proto = unix.IPPROTO_ICMPV6
			}
			var out string
			var code int
			probes := captureProbes(t, c.H1, addr, proto, func() { out, _, code, _ = gtraceroute(t, c.H1, "-n", m.flag, dst) })
			flows, ttls := map[string]int{}, map[int]bool{}
			for _, p := range probes {
				flows[p.flow]++
				ttls[p.ttl] = true
			}
			if code != 0 || len(flows) != 1 || !ttls[1] || !ttls[4] || len(probes) < 12 {
				t.Errorf("%s %s: exit %d, %d probes, TTLs %v, flows %v\n%s", m.flag, dst, code, len(probes), ttls, flows, out)
			}
		}
	}
}

// TestLabIPv4CompatibleAddress traces to an IPv4-compatible IPv6 address
// beside traceroute, which writes it in dotted form (::198.18.2.1, not
// Go's ::c612:201): the same header and hop line, times aside.
func TestLabIPv4CompatibleAddress(t *testing.T) {
	netlab.Need(t, "traceroute")
	ns := netlab.ForTest(t).MustNS(t, "h")
	if err := ns.IP("addr", "add", "::198.18.2.1/128", "dev", "lo"); err != nil {
		t.Fatal(err)
	}
	args := []string{"-n", "-q", "1", "::c612:201"}
	want, wantCode := ns.CombinedOutput(t, "traceroute", args...)
	stdout, stderr, code := ns.RunTool(t, Run, args...)
	if got := normalize(stderr + stdout); got != normalize(want) || code != wantCode || !strings.Contains(got, "(::198.18.2.1)") {
		t.Errorf("gtraceroute %v: exit %d\n%s\ntraceroute: exit %d\n%s", args, code, got, wantCode, normalize(want))
	}
}
