package gpmtud

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

var (
	resumeRE = regexp.MustCompile(`Resume: pmtu (\d+)`)
	oursRE   = regexp.MustCompile(`(?m)^pmtu (\d+) \((icmp|probing)\) to `)
	hopRE    = regexp.MustCompile(`(?m)^ ?(\d+):  (\S+) +\d+\.\d+ms (pmtu \d+|reached)?`)
)

// hopEvents normalises tracepath-style output to "ttl addr what" lines
// without times, consecutive repeats dropped (tracepath probes its first
// hop twice).
func hopEvents(out string) []string {
	var ev []string
	for _, m := range hopRE.FindAllStringSubmatch(out, -1) {
		e := strings.TrimSpace(m[1] + " " + m[2] + " " + m[3])
		if len(ev) == 0 || ev[len(ev)-1] != e {
			ev = append(ev, e)
		}
	}
	return ev
}

func mtuChain(t *testing.T) *netlab.Chain {
	return netlab.MustChain(t, netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1300, 1500}, NoICMPRateLimit: true})
}

// TestLabMatchesTracepath: on links of 1500/1400/1300/1500 both tools say
// 1300, learned from the routers' ICMP; the per-hop walk shows the same
// hops and MTU changes as tracepath.
func TestLabMatchesTracepath(t *testing.T) {
	netlab.Need(t, "tracepath")
	c := mtuChain(t)
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		netlab.ForgetPathMTUs(t, c.H1)
		tp, err := c.H1.Exec("tracepath", "-n", dst)
		if err != nil {
			t.Fatalf("tracepath %s: %v\n%s", dst, err, tp)
		}
		m := resumeRE.FindStringSubmatch(string(tp))
		if m == nil || m[1] != "1300" {
			t.Fatalf("tracepath %s does not say 1300:\n%s", dst, tp)
		}
		out, errOut, code := c.H1.RunTool(t, Run, dst)
		if code != 0 {
			t.Fatalf("gpmtud %s: exit %d: %s%s", dst, code, out, errOut)
		}
		if m := oursRE.FindStringSubmatch(out); m == nil || m[1] != "1300" || m[2] != "icmp" {
			t.Errorf("gpmtud %s: want pmtu 1300 (icmp), got:\n%s", dst, out)
		}
		echo, errOut, code := c.H1.RunTool(t, Run, "-I", dst)
		if m := oursRE.FindStringSubmatch(echo); code != 0 || m == nil || m[1] != "1300" || m[2] != "icmp" {
			t.Errorf("gpmtud -I %s: exit %d, want pmtu 1300 (icmp), got:\n%s%s", dst, code, echo, errOut)
		}
		hops, errOut, code := c.H1.RunTool(t, Run, "--hops", "-n", dst)
		if code != 0 {
			t.Fatalf("gpmtud --hops %s: exit %d: %s%s", dst, code, hops, errOut)
		}
		if got, want := hopEvents(hops), hopEvents(string(tp)); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("gpmtud --hops %s: hops\n%v\ntracepath:\n%v\n--- ours:\n%s--- tracepath:\n%s", dst, got, want, hops, tp)
		}
		if m := resumeRE.FindStringSubmatch(hops); m == nil || m[1] != "1300" || !strings.Contains(hops, "Resume: pmtu 1300 hops 4 back 4 ") {
			t.Errorf("gpmtud --hops %s: Resume line differs from tracepath's:\n%s", dst, hops)
		}
	}
}

// TestLabBlackHole: the router in front of the 1300-byte link drops its
// frag-needed / packet-too-big. tracepath reports a wrong MTU; gpmtud finds
// 1300 by probing and, walking hop by hop, names the hop.
func TestLabBlackHole(t *testing.T) {
	netlab.Need(t, "tracepath")
	c := mtuChain(t)
	if err := c.Routers[1].DropFragNeeded(); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		netlab.ForgetPathMTUs(t, c.H1)
		tp, _ := c.H1.Exec("tracepath", "-n", "-m", "3", dst)
		if m := resumeRE.FindStringSubmatch(string(tp)); m != nil && m[1] == "1300" {
			t.Errorf("tracepath %s found the black-holed MTU; the lab is not making a black hole:\n%s", dst, tp)
		}
		start := time.Now()
		out, errOut, code := c.H1.RunTool(t, Run, "-v", dst)
		if code != 0 {
			t.Fatalf("gpmtud %s: exit %d: %s%s", dst, code, out, errOut)
		}
		if m := oursRE.FindStringSubmatch(out); m == nil || m[1] != "1300" || m[2] != "probing" || !strings.Contains(out, "black hole") {
			t.Errorf("gpmtud %s: want pmtu 1300 (probing) and a black hole, got:\n%s", dst, out)
		}
		t.Logf("gpmtud %s through the black hole in %v (tracepath said %s)", dst, time.Since(start).Round(time.Millisecond), resumeRE.FindString(string(tp)))
		echo, errOut, code := c.H1.RunTool(t, Run, "-I", dst)
		if m := oursRE.FindStringSubmatch(echo); code != 0 || m == nil || m[1] != "1300" || m[2] != "probing" {
			t.Errorf("gpmtud -I %s: exit %d, want pmtu 1300 (probing), got:\n%s%s", dst, code, echo, errOut)
		}
		hops, errOut, code := c.H1.RunTool(t, Run, "--hops", "-n", dst)
		if code != 0 || !strings.Contains(hops, "black hole after hop 2") || !strings.Contains(hops, "Resume: pmtu 1300 hops 4") {
			t.Errorf("gpmtud --hops %s: exit %d, want the black hole after hop 2 and pmtu 1300:\n%s%s", dst, code, hops, errOut)
		}
	}
}

// TestLabDeadTarget: nothing answers; gpmtud gives up with exit 1 within
// its time bound.
func TestLabDeadTarget(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	if err := c.H2.DropAll(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, errOut, code := c.H1.RunTool(t, Run, "-w", "0.5", c.H2Addr4())
	if code != 1 || !strings.Contains(errOut, "no answer") {
		t.Errorf("exit %d, want 1 with 'no answer' on stderr:\n%s%s", code, out, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

// TestLabOneLostProbe: a router drops exactly one 1300-byte probe; the
// answer does not change.
func TestLabOneLostProbe(t *testing.T) {
	c := mtuChain(t)
	// quota "until" matches while fewer than 1301 bytes went through the
	// rule: the first 1300-byte packet only.
	if err := c.Routers[0].Nft(`table ip gpmtud_loss {
	chain forward_probes {
		type filter hook forward priority 0; policy accept;
		ip length 1300 meta l4proto udp quota until 1301 bytes counter drop
	}
}
`); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := c.H1.RunTool(t, Run, "-v", c.H2Addr4())
	if m := oursRE.FindStringSubmatch(out); code != 0 || m == nil || m[1] != "1300" {
		t.Errorf("exit %d, want pmtu 1300:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "probe 1300 bytes: through") {
		t.Errorf("the 1300-byte size was not retried to success:\n%s", out)
	}
	rules, _ := c.Routers[0].Exec("nft", "list", "table", "ip", "gpmtud_loss")
	if !strings.Contains(string(rules), "packets 1 ") {
		t.Errorf("the rule did not drop exactly one probe:\n%s", rules)
	}
}

// TestLabCheckSize: -s answers yes or no for one payload size.
func TestLabCheckSize(t *testing.T) {
	c := mtuChain(t)
	tests := []struct {
		payload string
		code    int
		want    string
	}{
		{"1272", 0, "1272 bytes (packet 1300) to " + c.H2Addr4() + ": through"},
		{"1273", 1, "not through: frag needed from " + c.RouterAddr4(2) + ", mtu 1300"},
		{"1473", 1, "not through: larger than the interface MTU 1500"},
	}
	for _, tc := range tests {
		out, errOut, code := c.H1.RunTool(t, Run, "-s", tc.payload, c.H2Addr4())
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("-s %s: exit %d, output %q%s; want exit %d with %q", tc.payload, code, out, errOut, tc.code, tc.want)
		}
	}
}

// TestLabLoopbackMTU: loopback's MTU, 65536, is more than one IPv4
// packet can carry (65535) but not one IPv6 packet (65575, its length
// field leaves out the header): tracepath says pmtu 65535 and 65536, and
// so must gpmtud, probing, walking and checking the largest payload
// that fits.
func TestLabLoopbackMTU(t *testing.T) {
	netlab.Need(t, "tracepath")
	ns := netlab.ForTest(t).MustNS(t, "h")
	for dst, largest := range map[string]string{"127.0.0.1": "65507", "::1": "65488"} {
		tp, err := ns.Exec("tracepath", "-n", dst)
		m := resumeRE.FindStringSubmatch(string(tp))
		if err != nil || m == nil {
			t.Fatalf("tracepath %s: %v\n%s", dst, err, tp)
		}
		out, errOut, code := ns.RunTool(t, Run, "-n", dst)
		if o := oursRE.FindStringSubmatch(out); code != 0 || o == nil || o[1] != m[1] {
			t.Errorf("gpmtud %s: exit %d, want pmtu %s as tracepath:\n%s%s", dst, code, m[1], out, errOut)
		}
		out, errOut, code = ns.RunTool(t, Run, "-n", "--hops", dst)
		if r := resumeRE.FindStringSubmatch(out); code != 0 || r == nil || r[1] != m[1] {
			t.Errorf("gpmtud --hops %s: exit %d, want pmtu %s as tracepath:\n%s%s", dst, code, m[1], out, errOut)
		}
		out, errOut, code = ns.RunTool(t, Run, "-s", largest, dst)
		if code != 0 || !strings.HasSuffix(out, ": through\n") {
			t.Errorf("gpmtud -s %s %s: exit %d, want through:\n%s%s", largest, dst, code, out, errOut)
		}
	}
}
