package gping

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/icmpx/icmpxtest"
	"gnetutils/pkg/netlab"
)

// normalizeNI is normalize, and the tool's name in -N help's first line.
func normalizeNI(s string) string { return hideNIHelpName(normalize(s)) }

var hideNIHelpName = clitest.Normalize(`(?m)^g?ping -6 -N`, "PING -6 -N")

// pingApart runs ping in ns with its stdout and stderr apart: ping writes
// some words of -N's to each, and a pipe holds its stdout back until it
// ends.
func pingApart(t *testing.T, ns *netlab.NS, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := ns.Command(context.Background(), "ping", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	var exit *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// toolRun is what one run of ping or gping printed and sent.
type toolRun struct {
	out, err string
	code     int
	queries  []string // what the responder got, if there is one
}

// bothTools runs ping, then gping, with args in ns, and collects what r
// (nil: none) got from each.
func bothTools(t *testing.T, ns *netlab.NS, r *icmpxtest.NodeInfoResponder, args []string) (ping, gping toolRun) {
	t.Helper()
	for _, run := range []*toolRun{&ping, &gping} {
		if r != nil {
			r.Forget()
		}
		if run == &ping {
			run.out, run.err, run.code = pingApart(t, ns, args...)
		} else {
			run.out, run.err, run.code = ns.RunTool(t, Run, args...)
		}
		if r != nil {
			run.queries = queriesOf(r)
		}
	}
	return ping, gping
}

// sameRun fails t unless gping printed on each stream what ping did
// (after norm), exited alike and sent the same queries.
func sameRun(t *testing.T, args []string, ping, gping toolRun, norm func(string) string) {
	t.Helper()
	if norm(gping.out) != norm(ping.out) || norm(gping.err) != norm(ping.err) || gping.code != ping.code {
		t.Errorf("gping %v: exit %d\n%s--- stderr:\n%s--- ping: exit %d\n%s--- stderr:\n%s",
			args, gping.code, gping.out, gping.err, ping.code, ping.out, ping.err)
	}
	if !slices.Equal(gping.queries, ping.queries) {
		t.Errorf("gping %v sent queries %q, ping %q", args, gping.queries, ping.queries)
	}
}

// niLabHost is h2 as its responder answers for it: two names, an address
// of each kind ping -N ipv6-... asks for, two IPv4 addresses.
func niLabHost(c *netlab.Chain) icmpxtest.NodeInfoHost {
	addr := func(ttl uint32, s string) icmpx.NIAddr { return icmpx.NIAddr{TTL: ttl, Addr: netip.MustParseAddr(s)} }
	return icmpxtest.NodeInfoHost{Names: []string{"h2.lab.", "h2"}, NameTTL: 30, Addrs: []icmpx.NIAddr{
		addr(10, c.H2Addr6()), addr(0, "fe80::2"), addr(5, "fec0::2"), addr(0, "::198.18.2.1"), addr(0, "::ffff:198.18.2.1"),
		addr(7, c.H2Addr4()), addr(0, "198.51.100.2"),
	}}
}

// niSubject is the value the lab's test gives each subject word of ping -N
// help: one of h2's addresses or names.
func niSubject(c *netlab.Chain, word string) (string, bool) {
	v, ok := map[string]string{"subject-ipv6": c.H2Addr6(), "subject-ipv4": c.H2Addr4(), "subject-name": "h2", "subject-fqdn": "H2.Lab"}[word]
	return v, ok
}

// niWordsOfPing are the words ping -N help lists under Query: and
// Subject: (a subject's without its =value).
func niWordsOfPing(t *testing.T, ns *netlab.NS) (queries, subjects []string) {
	out, _, code := pingApart(t, ns, "-N", "help")
	if code != 0 {
		t.Fatalf("ping -N help: exit %d", code)
	}
	var section string
	for _, line := range strings.Split(out, "\n") {
		switch w := strings.TrimSpace(line); {
		case strings.HasSuffix(w, ":"):
			section = w
		case w == "" || !strings.HasPrefix(line, "  "):
		case section == "Query:":
			queries = append(queries, w)
		case section == "Subject:":
			key, _, _ := strings.Cut(w, "=")
			subjects = append(subjects, key)
		}
	}
	if len(queries) == 0 || len(subjects) == 0 {
		t.Fatalf("no words in ping -N help:\n%s", out)
	}
	return queries, subjects
}

// queriesOf is what the responder got, nonces aside but their sequence
// numbers.
func queriesOf(r *icmpxtest.NodeInfoResponder) []string {
	var qs []string
	for _, q := range r.Queries() {
		qs = append(qs, string(q.Marshal()[:8])+string(q.Nonce[:2])+string(q.Data))
	}
	return qs
}

// TestLabNodeInfo walks the words of ping -N help: ping and gping ask h2's
// responder with each, and must print the same and exit alike, and send
// the same queries (nonces aside).
func TestLabNodeInfo(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	r := icmpxtest.ServeNodeInfo(t, c.H2, niLabHost(c))
	h2 := c.H2Addr6()
	queries, subjects := niWordsOfPing(t, c.H1)
	var cases [][]string
	for _, w := range queries {
		cases = append(cases, []string{"-N", w})
	}
	for _, w := range subjects {
		v, ok := niSubject(c, w)
		if !ok {
			t.Errorf("ping -N help lists %s=, which this test gives no value", w)
			continue
		}
		cases = append(cases, []string{"-N", "name", "-N", w + "=" + v}, []string{"-N", w + "=" + v, "-N", "ipv4"})
	}
	cases = append(cases,
		[]string{"-N", "fqdn"}, // ping's other word for name
		[]string{"-N", "ipv6-global", "-N", "ipv6-linklocal", "-N", "ipv6-sitelocal", "-N", "ipv6-compatible"},
		[]string{"-N", "ipv6-all", "-N", "ipv6-global"},
		[]string{"-N", "name", "-N", "subject-name=h2.lab."},
		[]string{"-N", "name", "-q"},
		[]string{"-N", "subject-ipv6=" + h2}, // a subject asks nothing: echo requests
	)
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			args := append(args, "-c", "2", "-i", "0.2", h2)
			ping, gping := bothTools(t, c.H1, r, args)
			sameRun(t, args, ping, gping, normalizeNI)
			if !strings.Contains(ping.out, " 2 received") || len(ping.queries) != 2*niQueries(args) {
				t.Errorf("ping %v: not the two answers the lab gives\n%s", args, ping.out)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		out, _, code := c.H1.RunTool(t, Run, "--json", "-N", "name", "-c", "1", h2)
		var reply struct {
			Type     string
			NodeInfo struct{ Names []string } `json:"node_info"`
		}
		if err := json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &reply); err != nil || code != 0 ||
			reply.Type != "reply" || strings.Join(reply.NodeInfo.Names, " ") != "h2.lab. h2" {
			t.Errorf("gping --json -N name: exit %d, %v\n%s", code, err, out)
		}
	})
}

// niQueries says whether args ask a query of ping -N (1) or only give a
// subject (0).
func niQueries(args []string) int {
	for i, a := range args[:len(args)-1] {
		if a == "-N" && !strings.HasPrefix(args[i+1], "subject-") {
			return 1
		}
	}
	return 0
}

// niOddReplies are replies ping must print as it can: each the answer to
// the query whose subject is 192.0.2.<index+1>.
var niOddReplies = []struct {
	name  string
	reply func(r *icmpx.NodeInfo)
}{
	{"compression pointer", func(r *icmpx.NodeInfo) { r.Data = niName("\x02h2\x00\x03www\xc0\x04") }},
	{"name cut short", func(r *icmpx.NodeInfo) { r.Data = niName("\x02h2\x00\x05ab") }},
	{"no ttl", func(r *icmpx.NodeInfo) { r.Data = []byte{0, 0} }},
	{"ttl alone", func(r *icmpx.NodeInfo) { r.Data = niName("") }},
	{"escapes", func(r *icmpx.NodeInfo) { r.Data = niName("\x04a.\x01 \x00\x04@$(\xff\x00\x00") }},
	{"root", func(r *icmpx.NodeInfo) { r.Data = niName("\x00") }},
	{"pointer loop", func(r *icmpx.NodeInfo) { r.Data = niName("\x01a\x00\xc0\x09") }},
	{"pointer out", func(r *icmpx.NodeInfo) { r.Data = niName("\xc0\x40") }},
	{"label type 0x40", func(r *icmpx.NodeInfo) { r.Data = niName("\x01x\x00\x41x\x00") }},
	{"over 255 bytes", func(r *icmpx.NodeInfo) {
		long := strings.Repeat("\x3f"+strings.Repeat("a", 63), 4) + "\x00"
		r.Data = niName("\x01x\x00" + long)
	}},
	{"refused", func(r *icmpx.NodeInfo) { r.Code, r.Data = icmpx.NIRefused, nil }},
	{"unknown qtype", func(r *icmpx.NodeInfo) { r.Code, r.Data = icmpx.NIUnknownQtype, nil }},
	{"unknown code", func(r *icmpx.NodeInfo) { r.Code = 3 }},
	{"code 255", func(r *icmpx.NodeInfo) { r.Code = 255 }},
	{"other qtype", func(r *icmpx.NodeInfo) { r.Qtype = 9 }},
	{"addresses truncated", func(r *icmpx.NodeInfo) {
		r.Qtype, r.Flags = icmpx.QtypeIPv6, icmpx.NIFlagTruncated
		r.Data = append(niAddr("fd00::1"), niAddr("::2")...)
	}},
	{"address cut short", func(r *icmpx.NodeInfo) {
		r.Qtype = icmpx.QtypeIPv6
		r.Data = append(niAddr("fe80::1"), 0, 0, 0, 0, 0xfd)
	}},
	{"ipv4 cut short", func(r *icmpx.NodeInfo) {
		r.Qtype, r.Flags = icmpx.QtypeIPv4, icmpx.NIFlagTruncated|icmpx.NIFlagAll
		r.Data = append(niAddr("198.51.100.9"), 0, 0, 0)
	}},
}

// niName is a Node Name reply's data: a TTL, then wire.
func niName(wire string) []byte { return append([]byte{0, 0, 0, 60}, wire...) }

// niAddr is one address of a Node Addresses reply, with a TTL.
func niAddr(s string) []byte { return append([]byte{0, 0, 1, 0}, netip.MustParseAddr(s).AsSlice()...) }

// TestLabNodeInfoOddReplies: r1's responder answers name queries with
// replies odd in every way a reply's data can be (each picked by the
// query's subject); gping prints them as ping does, parse errors and all.
func TestLabNodeInfoOddReplies(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	host := icmpxtest.NodeInfoHost{Reply: func(q, r icmpx.NodeInfo) icmpx.NodeInfo {
		if i := int(q.Data[3]) - 1; q.Code == icmpx.SubjectIPv4 && i < len(niOddReplies) {
			niOddReplies[i].reply(&r)
		}
		return r
	}}
	for i := range niOddReplies {
		host.Addrs = append(host.Addrs, icmpx.NIAddr{Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})})
	}
	r := icmpxtest.ServeNodeInfo(t, c.Routers[0], host)
	for i, odd := range niOddReplies {
		t.Run(odd.name, func(t *testing.T) {
			args := []string{"-N", "name", "-N", "subject-ipv4=" + netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}).String(), "-c", "1", c.RouterAddr6(1)}
			ping, gping := bothTools(t, c.H1, r, args)
			sameRun(t, args, ping, gping, normalizeNI)
			if !strings.Contains(ping.out, "; seq=1;") {
				t.Errorf("ping %v: no reply\n%s", args, ping.out)
			}
		})
	}
}

// TestLabNodeInfoDuplicates: two responders on h2 answer each query; both
// tools mark the second answer (DUP!) and count it.
func TestLabNodeInfoDuplicates(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	icmpxtest.ServeNodeInfo(t, c.H2, niLabHost(c))
	icmpxtest.ServeNodeInfo(t, c.H2, niLabHost(c))
	// Both stop at the second reply: whether its duplicate is in before
	// the summary is a race, as in TestLabDuplicates.
	args := []string{"-N", "name", "-c", "2", "-i", "0.3", c.H2Addr6()}
	ping, gping := bothTools(t, c.H1, nil, args)
	if withoutDups(gping.out) != withoutDups(ping.out) || gping.code != ping.code || !strings.Contains(ping.out, "(DUP!)") {
		t.Errorf("exit %d/%d\n--- gping:\n%s--- ping:\n%s", gping.code, ping.code, gping.out, ping.out)
	}
	if n := strings.Count(gping.out, "(DUP!)"); n < 1 || !strings.Contains(gping.out, "+"+string(rune('0'+n))+" duplicates") {
		t.Errorf("%d duplicate lines:\n%s", n, gping.out)
	}
}

// TestLabNodeInfoWords: what ping says to -N words it refuses or answers
// (help), on which stream, and its exit status; and -N's effect on an
// IPv4 host (none: echo requests) and on a host that does not answer.
func TestLabNodeInfoWords(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	icmpxtest.ServeNodeInfo(t, c.H2, niLabHost(c))
	h2 := c.H2Addr6()
	for _, args := range [][]string{
		{"-N", "help"},
		{"-N", "help", h2},
		{"-N", "bogus", h2},
		{"-N", "name=x", h2},
		{"-N", "subject-name", h2},
		{"-N", "name", "-N", "ipv6", h2},
		{"-N", "ipv6", "-N", "ipv4"},
		{"-N", "subject-ipv6=::1", "-N", "subject-ipv4=192.0.2.1", h2},
		{"-N", "subject-name=a", "-N", "subject-ipv6=::1", h2},
		{"-N", "subject-ipv6=192.0.2.1", h2},
		{"-N", "subject-ipv4=::1", h2},
		{"-N", "subject-name=a..b", h2},
		{"-N", "subject-name=" + strings.Repeat("x", 64), h2},
		{"-N", "subject-name=h2%0123456789abcdef", h2},
		{"-N", "subject-name=h2%eth0", "-N", "ipv4", h2},
		{"-N", "subject-name=-h2", h2},
		{"-N", "subject-name=h2.ab--c", h2},
		{"-N", "subject-name=xn--zz", h2},
		{"-N", "subject-name=" + strings.Repeat("x.", 127), h2},
		{"-N", "subject-name=" + strings.Repeat("x.", 126) + "xy", h2},
		{"-N", "name", "-c", "2", "-i", "0.2", c.H2Addr4()},
		{"-N", "name", "-N", "subject-ipv6=fd00::99", h2},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			// Should a word be taken after all, the run still ends.
			args := append([]string{"-c", "1", "-W", "1"}, args...)
			ping, gping := bothTools(t, c.H1, nil, args)
			sameRun(t, args, ping, gping, normalizeNI)
		})
	}
}
