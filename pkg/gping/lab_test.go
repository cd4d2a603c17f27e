package gping

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

var rttLineRE = regexp.MustCompile(`^rtt min/avg/max/mdev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$`)

// normalize hides what differs between two runs: times, and the tool's name.
var normalize = clitest.Normalize(
	`time=[0-9.]+ ms`, "time=T ms",
	`time [0-9]+ms`, "time Tms",
	`rtt min/avg/max/mdev = [0-9./]+ ms`, "rtt min/avg/max/mdev = T ms",
	`(?m)^g?ping: `, "PING: ",
)

// normalizeFlood also hides what differs between two floods: the dots
// and backspaces (as many as the replies outrun the probes) and the
// inter-packet gap.
func normalizeFlood(s string) string { return hideFlood(normalize(s)) }

var hideFlood = clitest.Normalize(`\.|\x08 \x08`, "", `ipg/ewma [0-9/]+ ms`, "ipg/ewma T ms")

var dupsRE = regexp.MustCompile(`(?m)^.*\(DUP!\)\n|, \+\d+ duplicates`)

func withoutDups(s string) string { return normalize(dupsRE.ReplaceAllString(s, "")) }

// TestLabSideBySide runs ping and gping with the same arguments on the same
// network and expects the same output, line for line (times aside), and
// the same exit code.
func TestLabSideBySide(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1500, 1500}, NoICMPRateLimit: true})
	tests := []struct {
		name string
		args []string
	}{
		{"replies v4", []string{"-n", "-c", "3", "-i", "0.2", c.H2Addr4()}},
		{"replies v6", []string{"-n", "-c", "3", "-i", "0.2", c.H2Addr6()}},
		{"quiet", []string{"-q", "-c", "2", "-i", "0.2", c.H2Addr4()}},
		{"ttl exceeded v4", []string{"-n", "-c", "2", "-i", "0.2", "-t", "1", c.H2Addr4()}},
		{"hop limit v6", []string{"-n", "-c", "2", "-i", "0.2", "-t", "1", c.H2Addr6()}},
		{"frag needed", []string{"-n", "-c", "1", "-M", "do", "-s", "1472", c.H2Addr4()}},
		{"packet too big", []string{"-n", "-c", "1", "-M", "do", "-s", "1450", c.H2Addr6()}},
		{"size and pattern", []string{"-n", "-c", "2", "-i", "0.2", "-s", "100", "-p", "abcd", c.H2Addr4()}},
		// Too small for ping's timestamp: no times, no rtt line.
		{"untimed v4", []string{"-n", "-c", "2", "-i", "0.2", "-s", "8", c.H2Addr4()}},
		{"untimed v6", []string{"-n", "-c", "2", "-i", "0.2", "-s", "0", c.H2Addr6()}},
		{"net unreachable", []string{"-n", "-c", "1", "198.18.99.1"}},
		{"source interface", []string{"-n", "-c", "2", "-i", "0.2", "-I", "east", c.H2Addr4()}},
		{"source address", []string{"-n", "-c", "2", "-i", "0.2", "-I", c.H1Addr4(), c.H2Addr4()}},
		{"deadline to nowhere", []string{"-n", "-c", "2", "-i", "0.3", "-w", "1", "198.18.4.77"}},
		{"unroutable", []string{"-n", "-c", "1", "198.18.99.1"}},
		{"unroutable v6", []string{"-n", "-c", "1", "fd00:99::1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := c.H1
			if strings.HasPrefix(tc.name, "unroutable") {
				ns = c.Routers[0] // no default route there
			}
			// A router sends "net unreachable" through ip_error's own rate
			// limit: a token a second per source, and every other ICMP error
			// it sent h1 (rate limits off) empties the bucket the two share.
			// So each tool gets a full second before it asks.
			rateLimited := tc.name == "net unreachable"
			// Each tool starts from a kernel that has learned no path MTU, as
			// the first would otherwise teach the second (ping -M do uses it).
			netlab.ForgetPathMTUs(t, c.H1)
			if rateLimited {
				time.Sleep(1100 * time.Millisecond)
			}
			want, wantCode := ns.CombinedOutput(t, "ping", tc.args...)
			netlab.ForgetPathMTUs(t, c.H1)
			if rateLimited {
				time.Sleep(1100 * time.Millisecond)
			}
			out, errOut, code := ns.RunTool(t, Run, tc.args...)
			got := out + errOut
			if rateLimited && !strings.Contains(want, "Unreachable") {
				t.Errorf("ping had no answer from the router, even a second after the last:\n%s", want)
			}
			if normalize(got) != normalize(want) || code != wantCode {
				t.Errorf("gping %v: exit %d, ping exit %d\n--- gping:\n%s--- ping:\n%s", tc.args, code, wantCode, got, want)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "rtt ") && !rttLineRE.MatchString(line) {
					t.Errorf("rtt line %q", line)
				}
			}
		})
	}
}

// TestLabDuplicates: a router duplicates every reply; both tools mark them
// (DUP!) and count "+N duplicates".
func TestLabDuplicates(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	if err := c.Routers[0].Nft(`table ip dupper {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		oifname "west" icmp type echo-reply dup to ` + c.H1Addr4() + ` device "west"
	}
}
`); err != nil {
		t.Fatal(err)
	}
	// Both tools stop at the third reply, so whether the last duplicate
	// is in before the summary is a race: compare without duplicates, and
	// check the duplicate lines against the count.
	args := []string{"-n", "-c", "3", "-i", "0.3", c.H2Addr4()}
	want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
	out, errOut, code := c.H1.RunTool(t, Run, args...)
	if withoutDups(out+errOut) != withoutDups(want) || code != wantCode {
		t.Errorf("exit %d/%d\n--- gping:\n%s%s--- ping:\n%s", code, wantCode, out, errOut, want)
	}
	n := strings.Count(out, "(DUP!)")
	if n < 2 || !strings.Contains(out, fmt.Sprintf("+%d duplicates", n)) || !strings.Contains(want, "(DUP!)") {
		t.Errorf("%d duplicate lines:\n%s", n, out)
	}
}

// TestLabDatagramSocket: with ping_group_range open, gping uses an
// unprivileged ICMP datagram socket and behaves the same.
func TestLabDatagramSocket(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	if err := c.H1.Sysctl("net.ipv4.ping_group_range", "0 2147483647"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-n", "-c", "2", "-i", "0.2", c.H2Addr4()}, {"-n", "-c", "2", "-i", "0.2", "-t", "1", c.H2Addr6()}} {
		want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
		out, errOut, code := c.H1.RunTool(t, Run, args...)
		if normalize(out+errOut) != normalize(want) || code != wantCode {
			t.Errorf("%v: exit %d/%d\n--- gping:\n%s%s--- ping:\n%s", args, code, wantCode, out, errOut, want)
		}
	}
}

// TestLabManyHostsAndJSON pings three hosts at once, one of them dead, with
// --json: one object per reply, then a summary per host; exit 1 for the
// dead one.
func TestLabManyHostsAndJSON(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	hosts := []string{c.H2Addr4(), c.H2Addr6(), "198.18.2.77"}
	out, errOut, code := c.H1.RunTool(t, Run, append([]string{"--json", "-c", "3", "-i", "0.2", "-W", "1"}, hosts...)...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one host dead): %s", code, errOut)
	}
	replies := map[string]int{}
	summaries := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		switch obj["type"] {
		case "reply":
			replies[obj["host"].(string)]++
		case "summary":
			summaries[obj["host"].(string)] = obj
		}
	}
	for _, h := range hosts[:2] {
		if replies[h] != 3 || summaries[h]["received"] != float64(3) || summaries[h]["rtt_p50_ms"] == nil {
			t.Errorf("%s: %d replies, summary %v", h, replies[h], summaries[h])
		}
	}
	if s := summaries[hosts[2]]; s == nil || s["received"] != float64(0) || s["loss_pct"] != float64(100) {
		t.Errorf("dead host summary %v", s)
	}

	// An ICMP error is an icmp_error from the router, in ping's words.
	out, _, _ = c.H1.RunTool(t, Run, "--json", "-c", "1", "-t", "1", c.H2Addr4())
	var icmpErr map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj map[string]any
		if json.Unmarshal([]byte(line), &obj) == nil && obj["type"] == "icmp_error" {
			icmpErr = obj
		}
	}
	if icmpErr == nil || icmpErr["from"] != c.RouterAddr4(1) || icmpErr["addr"] != c.H2Addr4() || icmpErr["kind"] != "time_exceeded" || icmpErr["error"] != "Time to live exceeded" {
		t.Errorf("-t 1 --json: %v\n%s", icmpErr, out)
	}

	text, _, code := c.H1.RunTool(t, Run, "-n", "-c", "2", "-i", "0.2", c.H2Addr4(), c.RouterAddr4(1))
	if code != 0 || strings.Count(text, "ping statistics ---") != 2 || strings.Count(text, "icmp_seq=") != 4 {
		t.Errorf("two hosts: exit %d:\n%s", code, text)
	}
}

// TestLabInterrupt: without -c, cancelling (SIGINT) prints the summary.
func TestLabInterrupt(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 0})
	ctx, cancel := context.WithTimeout(context.Background(), 1100*time.Millisecond)
	defer cancel()
	out, _, code := c.H1.RunToolCtx(ctx, t, Run, "-n", "-i", "0.2", c.H2Addr4())
	if code != 0 || !strings.Contains(out, "--- "+c.H2Addr4()+" ping statistics ---") || !strings.Contains(out, "rtt min/avg/max/mdev") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestLabOneTarget: one target runs on icmpx's Sync mode, waiting in
// poll(2) between probes: SIGINT still ends a long interval at once, and
// --json still declares each lost probe once.
func TestLabOneTarget(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, _, code := c.H1.RunToolCtx(ctx, t, Run, "-n", "-i", "5", c.H2Addr4())
	if took := time.Since(start); took > 2*time.Second || code != 0 || !strings.Contains(out, "1 packets transmitted, 1 received") {
		t.Errorf("interrupted after 300 ms of -i 5: returned after %v, exit %d:\n%s", took, code, out)
	}

	if err := c.H2.DropAll(); err != nil {
		t.Fatal(err)
	}
	out, _, code = c.H1.RunTool(t, Run, "--json", "-c", "2", "-i", "0.2", "-W", "0.5", c.H2Addr4())
	timeouts := map[float64]int{}
	var summary map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		switch obj["type"] {
		case "timeout":
			timeouts[obj["seq"].(float64)]++
		case "summary":
			summary = obj
		}
	}
	if code != 1 || len(timeouts) != 2 || timeouts[1] != 1 || timeouts[2] != 1 || summary == nil || summary["transmitted"] != float64(2) || summary["received"] != float64(0) {
		t.Errorf("dead host, --json: exit %d, timeouts by seq %v, summary %v", code, timeouts, summary)
	}
}

// TestLabDeadHost: nothing answers; both tools count the same probes lost
// and exit 1.
func TestLabDeadHost(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	if err := c.H2.DropAll(); err != nil {
		t.Fatal(err)
	}
	args := []string{"-n", "-c", "3", "-i", "0.2", "-W", "1", c.H2Addr4()}
	want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
	out, errOut, code := c.H1.RunTool(t, Run, args...)
	if normalize(out+errOut) != normalize(want) || code != wantCode || code != 1 {
		t.Errorf("exit %d/%d\n--- gping:\n%s%s--- ping:\n%s", code, wantCode, out, errOut, want)
	}
}

// TestLabTwoAtOnce: two gpings on raw sockets ping the same host at the
// same time; each counts only its own replies.
func TestLabTwoAtOnce(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	type result struct {
		out  string
		code int
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			out, errOut, code := c.H1.RunTool(t, Run, "-n", "-q", "-c", "50", "-i", "0.01", c.H2Addr4())
			results <- result{out + errOut, code}
		}()
	}
	for range 2 {
		r := <-results
		if r.code != 0 || !strings.Contains(r.out, "50 packets transmitted, 50 received, 0% packet loss") || strings.Contains(r.out, "duplicates") {
			t.Errorf("exit %d:\n%s", r.code, r.out)
		}
	}
}

// TestLabUnprivileged runs the gping binary as user nobody: it works through
// ICMP datagram sockets when ping_group_range allows, and otherwise fails
// with exit 2 and a message that says how to grant access.
func TestLabUnprivileged(t *testing.T) {
	netlab.Need(t, "setpriv")
	bin := netlab.Binary(t, "gping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	run := func(prog string, args ...string) (string, int) {
		return c.H1.CombinedOutput(t, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", prog}, args...)...)
	}
	asNobody := func() (string, int) { return run(bin, "-n", "-c", "2", "-i", "0.2", c.H2Addr4()) }
	if err := c.H1.Sysctl("net.ipv4.ping_group_range", "0 2147483647"); err != nil {
		t.Fatal(err)
	}
	if out, code := asNobody(); code != 0 || !strings.Contains(out, "2 received") {
		t.Errorf("allowed by ping_group_range: exit %d\n%s", code, out)
	}
	// A user's shortest interval is ping's: 2 ms, a flood included. The
	// system ping (cap_net_raw on the file) runs as the same user.
	if _, err := exec.LookPath("ping"); err == nil {
		for _, args := range [][]string{
			{"-n", "-q", "-c", "3", "-i", "0.002", c.H2Addr4()},
			{"-n", "-c", "2", "-i", "0.001", c.H2Addr4()},
			{"-n", "-c", "2", "-f", c.H2Addr4()},
			{"-n", "-q", "-c", "3", "-f", "-i", "0.002", c.H2Addr4()},
			{"-n", "-c", "1", "-l", "4", c.H2Addr4()},
		} {
			want, wantCode := run("ping", args...)
			got, code := run(bin, args...)
			if code != wantCode || normalizeFlood(got) != normalizeFlood(want) {
				t.Errorf("as nobody, %v: exit %d/%d\n--- gping:\n%s--- ping:\n%s", args, code, wantCode, got, want)
			}
		}
	}
	if err := c.H1.Sysctl("net.ipv4.ping_group_range", "1 0"); err != nil {
		t.Fatal(err)
	}
	out, code := asNobody()
	if code != 2 || !strings.Contains(out, "setcap cap_net_raw+ep") || !strings.Contains(out, "ping_group_range") || strings.Count(out, "\n") != 1 {
		t.Errorf("not allowed: exit %d, want 2 with a one-line how-to\n%s", code, out)
	}
}

// TestLabBadHostName: an unknown name is exit 2 with ping's words. The lab
// namespace's resolver is a DNS server this test runs on its loopback,
// answering NXDOMAIN, so the lookup never leaves the namespace.
func TestLabBadHostName(t *testing.T) {
	netlab.Need(t, "ping")
	bin := netlab.Binary(t, "gping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 0})
	var srv *dns.Server
	if err := c.H1.Do(func() error {
		pc, err := net.ListenPacket("udp", "127.0.0.1:53")
		if err != nil {
			return err
		}
		srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeNameError)
			w.WriteMsg(m)
		})}
		go srv.ActivateAndServe()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	want, wantCode := c.H1.CombinedOutput(t, "ping", "-c", "1", "no-such-host.lab")
	got, code := c.H1.CombinedOutput(t, bin, "-c", "1", "no-such-host.lab")
	if normalize(got) != normalize(want) || code != wantCode || code != 2 {
		t.Errorf("exit %d/%d\n--- gping:\n%s--- ping:\n%s", code, wantCode, got, want)
	}
	// A name the hosts file gives only an IPv4 address, asked for IPv6.
	if err := c.H1.WriteEtc("hosts", []byte(c.H2Addr4()+" h2four\n")); err != nil {
		t.Fatal(err)
	}
	want, wantCode = c.H1.CombinedOutput(t, "ping", "-6", "-c", "1", "h2four")
	got, code = c.H1.CombinedOutput(t, bin, "-6", "-c", "1", "h2four")
	if normalize(got) != normalize(want) || code != wantCode || code != 2 {
		t.Errorf("-6 to an IPv4-only name: exit %d/%d\n--- gping:\n%s--- ping:\n%s", code, wantCode, got, want)
	}
}

// TestLabFlood: -f beside ping -f: the same lines (dots and backspaces
// aside), every probe answered.
func TestLabFlood(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	for _, args := range [][]string{{"-f", "-c", "500", c.H2Addr4()}, {"-q", "-f", "-c", "500", c.H2Addr6()}} {
		want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
		out, errOut, code := c.H1.RunTool(t, Run, args...)
		if normalizeFlood(out+errOut) != normalizeFlood(want) || code != wantCode || !strings.Contains(out, "500 packets transmitted, 500 received") {
			t.Errorf("%v: exit %d/%d\n--- gping:\n%q\n--- ping:\n%q", args, code, wantCode, normalizeFlood(out+errOut), normalizeFlood(want))
		}
	}
}

// TestLabPreloadAndBell: -l sends its probes at once, and over a 10 ms
// round trip all of them are out together, so ping's summary says "pipe 3";
// -a ends each reply line with the bell. Both beside ping, line for line.
func TestLabPreloadAndBell(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 0, Delay: []time.Duration{5 * time.Millisecond}})
	for _, args := range [][]string{
		{"-n", "-l", "3", "-c", "3", c.H2Addr4()},
		{"-n", "-l", "2", "-c", "3", "-i", "0.2", "-s", "8", c.H2Addr6()},
		{"-n", "-a", "-c", "2", "-i", "0.2", c.H2Addr4()},
	} {
		want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
		out, errOut, code := c.H1.RunTool(t, Run, args...)
		if normalize(out+errOut) != normalize(want) || code != wantCode {
			t.Errorf("%v: exit %d/%d\n--- gping:\n%q\n--- ping:\n%q", args, code, wantCode, out+errOut, want)
		}
	}
}
