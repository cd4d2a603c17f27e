package gdig

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

var bigTXT = func() []string {
	var out []string
	for i := 0; i < 12; i++ {
		out = append(out, fmt.Sprintf("big IN TXT \"%s\"", strings.Repeat(fmt.Sprintf("%c", 'a'+i), 200)))
	}
	return out
}()

// hierarchy is the lab's DNS for these tests: two roots, lab. and test.,
// and zones for every case the issue names, an IPv6-only server among them.
func hierarchy(t *testing.T) (*netlab.DNS, string) {
	t.Helper()
	netlab.Need(t, "nsd", "dig", "unbound")
	l := netlab.ForTest(t)
	servers := []string{"root1", "root2", "tld", "tld2", "auth", "auth2", "v6"}
	all := append(append([]string{}, servers...), "dead")
	a4 := map[string]string{}
	a6 := map[string]string{}
	for i, s := range all {
		a4[s] = fmt.Sprintf("198.19.0.%d", i+2)
		a6[s] = fmt.Sprintf("fd00:19::%x", i+2)
	}
	glue := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, n+".ns.lab. IN A "+a4[n], n+".ns.lab. IN AAAA "+a6[n])
		}
		return out
	}
	example := append([]string{"www IN A 192.0.2.80", "www IN AAAA 2001:db8::80", "@ IN MX 10 mail", "mail IN A 192.0.2.25",
		"alias IN CNAME www.other.test.", "loop1 IN CNAME loop2", "loop2 IN CNAME loop1",
		"xn--bcher-kva IN A 192.0.2.90", "xn--strae-oqa IN CNAME xn--bcher-kva"}, bigTXT...)
	d, err := l.NewDNS(netlab.DNSConfig{Servers: servers, Dead: []string{"dead"}, Zones: []netlab.Zone{
		{Origin: ".", Servers: []string{"root1", "root2"}, Records: append([]string{"lab. IN NS tld.ns.lab.", "test. IN NS tld2.ns.lab."}, glue("root1", "root2", "tld", "tld2")...)},
		{Origin: "lab.", Servers: []string{"tld"}, Records: append([]string{"example IN NS auth.ns.lab.", "nogl IN NS ns.other.test.",
			"two IN NS dead.ns.lab.", "two IN NS auth2.ns.lab.", "v6only IN NS v6.ns.lab.", "v6.ns IN AAAA " + a6["v6"]},
			glue("root1", "root2", "tld", "tld2", "auth", "auth2", "dead")...)},
		{Origin: "test.", Servers: []string{"tld2"}, Records: []string{"other IN NS auth2.ns.lab."}},
		{Origin: "example.lab.", Servers: []string{"auth"}, Records: example},
		{Origin: "other.test.", Servers: []string{"auth2"}, Records: []string{"www IN A 192.0.2.81", "ns IN A " + a4["auth2"]}},
		{Origin: "nogl.lab.", Servers: []string{"auth2"}, Records: []string{"www IN A 192.0.2.82"}},
		{Origin: "two.lab.", Servers: []string{"auth2"}, Records: []string{"www IN A 192.0.2.83"}},
		{Origin: "v6only.lab.", Servers: []string{"v6"}, Records: []string{"www IN A 192.0.2.86"}},
	}, V6Only: []string{"v6"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if d.Servers[s].Addr4 != a4[s] {
			t.Fatalf("%s at %s, expected %s", s, d.Servers[s].Addr4, a4[s])
		}
	}
	dir := t.TempDir()
	hints := filepath.Join(dir, "root.hints")
	if err := os.WriteFile(hints, []byte(d.RootHints()), 0o644); err != nil {
		t.Fatal(err)
	}
	return d, hints
}

// startUnbound runs unbound on the client's loopback with the lab hints,
// QNAME minimisation off.
func startUnbound(t *testing.T, d *netlab.DNS, hints string) *exec.Cmd {
	return startUnboundWith(t, d, hints, "  qname-minimisation: no\n")
}

// startUnboundWith runs unbound with settings added to its server
// section; the caller may stop it (Process.Kill, Wait) to start afresh.
func startUnboundWith(t *testing.T, d *netlab.DNS, hints, settings string) *exec.Cmd {
	dir := filepath.Dir(hints)
	conf := fmt.Sprintf(`server:
  interface: 127.0.0.1
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: %q
  root-hints: %q
  module-config: "iterator"
  use-syslog: no
  logfile: %q
  access-control: 127.0.0.0/8 allow
  do-ip6: yes
%sremote-control:
  control-enable: no
`, dir, filepath.Join(dir, "unbound.pid"), hints, filepath.Join(dir, "unbound.log"), settings)
	path := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := d.Client.Command(context.Background(), "unbound", "-d", "-c", path)
	if err := d.Client.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.WaitTCP("127.0.0.1:53", 5*time.Second); err == nil {
		return cmd
	}
	log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
	t.Fatalf("unbound did not start: %s", log)
	return nil
}

// normalize hides what differs between two runs: times, query IDs, the
// tool's name and version, the server's name.
var normalize = clitest.Normalize(
	`(?m)^; <<>> .* <<>>.*$`, "; <<>> TOOL <<>>",
	`id: \d+`, "id: ID",
	`(?m)^;; (Query time|WHEN): .*$`, ";; $1: T",
	`(?m)^(;; SERVER: \S+)\(.*$`, "$1",
)

// TestLabStubMatchesDig: gdig @server prints what dig @server prints, field
// for field (times, IDs and the tool's name aside).
func TestLabStubMatchesDig(t *testing.T) {
	d, _ := hierarchy(t)
	for _, args := range [][]string{
		{"@" + d.Servers["auth"].Addr4, "www.example.lab"},
		{"@" + d.Servers["auth"].Addr4, "example.lab", "MX"},
		{"@" + d.Servers["auth"].Addr4, "nothere.example.lab"},
		{"@" + d.Servers["tld"].Addr4, "www.example.lab", "+norecurse"},
		{"@" + d.Servers["auth"].Addr4, "www.example.lab", "AAAA", "+short"},
		{"@" + d.Servers["auth"].Addr4, "big.example.lab", "TXT", "+short"},
		{"@" + d.Servers["auth"].Addr4, "big.example.lab", "TXT"}, // truncated: dig's line, then TCP
		{"@" + d.Servers["auth"].Addr4, "www.example.lab", "+noall", "+answer"},
		{"@" + d.Servers["tld"].Addr4, "www.example.lab", "+noall", "+authority", "+additional"},
		{"@" + d.Servers["auth"].Addr4, "www.example.lab", "+nocmd", "+nostats", "+noquestion"},
		{"@" + d.Servers["auth"].Addr4, "example.lab", "MX", "+nocomments"},
		{"@" + d.Servers["auth"].Addr4, "example.lab", "MX", "+noall", "+answer", "+question"},
		// Class and type words in either order, a CHAOS query NSD answers
		// itself, a reverse lookup of an IPv4 prefix, generic type names.
		{"@" + d.Servers["auth"].Addr4, "CH", "TXT", "version.bind"},
		{"@" + d.Servers["auth"].Addr4, "id.server", "TXT", "CH", "+short"},
		{"@" + d.Servers["auth"].Addr4, "-x", "192.0.2"},
		{"@" + d.Servers["auth"].Addr4, "www.example.lab", "TYPE28", "+short"},
		{"@" + d.Servers["auth"].Addr4, "www.example.lab", "+nsid"},
		// A server that never answers: a line for each try, then dig's end.
		{"@" + d.Servers["dead"].Addr4, "+time=1", "+tries=2", "www.example.lab"},
		{"@" + d.Servers["dead"].Addr4, "+time=1", "+tries=1", "+short", "www.example.lab"},
	} {
		want, wantCode := d.Client.CombinedOutput(t, "dig", args...)
		got, errOut, code := d.Client.RunTool(t, Run, args...)
		if normalize(got) != normalize(want) || code != wantCode {
			t.Errorf("%v: exit %d/%d %s\n--- gdig:\n%s--- dig:\n%s", args, code, wantCode, errOut, got, want)
		}
	}
	// The server named itself (NSD's nsid), and refused version.bind with
	// an extended error: both in the OPT pseudosection.
	if out, _, _ := d.Client.RunTool(t, Run, "@"+d.Servers["auth"].Addr4, "+nsid", "www.example.lab"); !strings.Contains(out, `; NSID: 61 75 74 68 ("auth")`) {
		t.Errorf("+nsid: no NSID line\n%s", out)
	}
	if out, _, _ := d.Client.RunTool(t, Run, "@"+d.Servers["auth"].Addr4, "CH", "TXT", "version.bind"); !strings.Contains(out, "; EDE: 18 (Prohibited)") {
		t.Errorf("version.bind: no EDE line\n%s", out)
	}
	if out, _, code := d.Client.RunTool(t, Run, "@"+d.Servers["dead"].Addr4, "+time=1", "+tries=1", "www.example.lab"); code != 9 {
		t.Errorf("dead server: exit %d, want dig's 9\n%s", code, out)
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		// dig +short reports a timed-out try on a ";;" line before the retry's answer.
		if l != "" && !strings.HasPrefix(l, ";;") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// TestLabIterativeMatchesUnbound: resolving from the lab root, gdig gets
// the answers unbound gets with the same root hints, for every case. dig
// asks unbound patiently: unbound's first try of the dead server can take
// it past a single 5 s query on a loaded machine.
func TestLabIterativeMatchesUnbound(t *testing.T) {
	d, hints := hierarchy(t)
	startUnbound(t, d, hints)
	for _, q := range [][]string{
		{"www.example.lab", "A"}, {"www.example.lab", "AAAA"}, {"example.lab", "MX"},
		{"alias.example.lab", "A"},   // CNAME into another TLD
		{"www.nogl.lab", "A"},        // glueless delegation, NS under test.
		{"www.two.lab", "A"},         // one dead server of two
		{"big.example.lab", "TXT"},   // too big for 1232 bytes: TCP
		{"nothere.example.lab", "A"}, // NXDOMAIN
		{"mail.example.lab", "MX"},   // NODATA
		{"www.v6only.lab", "A"},      // a name server reachable over IPv6 only
	} {
		want, _ := d.Client.CombinedOutput(t, "dig", "+short", "+tries=3", "+time=5", "@127.0.0.1", q[0], q[1])
		got, errOut, code := d.Client.RunTool(t, Run, "--root-hints", hints, "+short", q[0], q[1])
		if code != 0 || fmt.Sprint(lines(got)) != fmt.Sprint(lines(want)) {
			t.Errorf("%v: exit %d %s\n--- gdig:\n%s--- unbound:\n%s", q, code, errOut, got, want)
		}
	}
	// QNAME minimisation (on by default) and 0x20 change what is asked,
	// not what is found.
	for _, opt := range []string{"--qmin=false", "--0x20"} {
		for _, q := range [][]string{{"www.example.lab", "A"}, {"www.nogl.lab", "A"}, {"alias.example.lab", "A"}} {
			want, _ := d.Client.CombinedOutput(t, "dig", "+short", "+tries=3", "+time=5", "@127.0.0.1", q[0], q[1])
			got, errOut, code := d.Client.RunTool(t, Run, "--root-hints", hints, opt, "+short", q[0], q[1])
			if code != 0 || fmt.Sprint(lines(strings.ToLower(got))) != fmt.Sprint(lines(strings.ToLower(want))) {
				t.Errorf("%s %v: exit %d %s\n--- gdig:\n%s--- unbound:\n%s", opt, q, code, errOut, got, want)
			}
		}
	}
	status := regexp.MustCompile(`status: (\w+)`)
	for _, q := range []string{"nothere.example.lab", "www.example.lab"} {
		want, _ := d.Client.CombinedOutput(t, "dig", "+tries=3", "@127.0.0.1", q)
		got, _, _ := d.Client.RunTool(t, Run, "--root-hints", hints, q)
		if status.FindString(got) != status.FindString(want) {
			t.Errorf("%s: gdig %s, unbound %s", q, status.FindString(got), status.FindString(want))
		}
	}
	// Failures are answers: SERVFAIL with the reason as an EDE, status 0.
	if out, _, code := d.Client.RunTool(t, Run, "--root-hints", hints, "-4", "+time=1", "www.v6only.lab"); code != 0 || !strings.Contains(out, "status: SERVFAIL") ||
		!strings.Contains(out, "; EDE: 22 (No Reachable Authority): (no usable name server addresses)") {
		t.Errorf("-4 towards an IPv6-only server: exit %d, want SERVFAIL\n%s", code, out)
	}
	if out, _, code := d.Client.RunTool(t, Run, "--root-hints", hints, "loop1.example.lab"); code != 0 || !strings.Contains(out, "status: SERVFAIL") {
		t.Errorf("a CNAME loop: exit %d, want SERVFAIL\n%s", code, out)
	}
}

// TestLabTrace: +trace walks the same delegations as dig +trace from the
// lab root and ends with the same answer.
func TestLabTrace(t *testing.T) {
	d, hints := hierarchy(t)
	want, _ := d.Client.CombinedOutput(t, "dig", "+trace", "+nodnssec", "@"+d.Servers["root1"].Addr4, "www.example.lab")
	got, errOut, code := d.Client.RunTool(t, Run, "--root", d.Servers["root1"].Addr4, "+trace", "www.example.lab")
	nsLine := regexp.MustCompile(`(?m)^(\S+)\s+\d+\s+IN\s+(NS|A)\s+(\S+)$`)
	steps := func(s string) []string {
		var out []string
		for _, m := range nsLine.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1]+" "+m[2]+" "+m[3])
		}
		return out
	}
	// Both start with the root's NS set: dig +trace asks its server for
	// it, gdig primes (RFC 8109).
	w := steps(want)
	if code != 0 || fmt.Sprint(steps(got)) != fmt.Sprint(w) || !strings.HasPrefix(w[0], ". NS") {
		t.Errorf("exit %d %s\n--- gdig:\n%s--- dig:\n%s", code, errOut, got, want)
	}
	// gdig +trace shows the glueless lookup dig +trace cannot make.
	got, _, code = d.Client.RunTool(t, Run, "--root-hints", hints, "+trace", "www.nogl.lab")
	if code != 0 || !strings.Contains(got, ";; no glue for ns.other.test.") || !strings.Contains(got, "192.0.2.82") {
		t.Errorf("glueless trace: exit %d\n%s", code, got)
	}
}

// TestLabBatch: names from a file and from stdin, resolved concurrently
// with one cache, come out in input order with the answers single lookups
// give; --unordered gives the same set.
func TestLabBatch(t *testing.T) {
	d, hints := hierarchy(t)
	// The binary: batch lookups run on many goroutines, and only a whole
	// process (ip netns exec) keeps all of them in the lab's namespace;
	// NS.Do holds just the calling thread there.
	bin := netlab.Binary(t, "gdig")
	list := "www.example.lab\nexample.lab MX\nalias.example.lab\nwww.nogl.lab\nwww.two.lab\n; a comment\nwww.example.lab AAAA\n"
	file := filepath.Join(filepath.Dir(hints), "names")
	if err := os.WriteFile(file, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		if strings.HasPrefix(l, ";") {
			continue
		}
		out, _, code := d.Client.RunTool(t, Run, append([]string{"--root-hints", hints, "+short"}, strings.Fields(l)...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d", l, code)
		}
		want = append(want, strings.TrimSpace(out))
	}
	run := func(stdin string, args ...string) (string, int) {
		out, _, code := runBinary(t, d.Client, bin, stdin, args...)
		return out, code
	}
	got, code := run("", "--root-hints", hints, "+short", "-f", file, "--concurrency", "3")
	if code != 0 || strings.TrimSpace(got) != strings.Join(want, "\n") {
		t.Errorf("batch: exit %d\n--- got:\n%s\n--- want:\n%s", code, got, strings.Join(want, "\n"))
	}
	got, code = run(list, "--root-hints", hints, "+short", "-f", "-", "--unordered")
	if code != 0 || fmt.Sprint(lines(got)) != fmt.Sprint(lines(strings.Join(want, "\n"))) {
		t.Errorf("stdin, unordered: exit %d\n%s", code, got)
	}
	if _, code := run("", "-f", "/nonexistent/names"); code != exitBatch {
		t.Errorf("missing batch file: exit %d, want dig's 8", code)
	}
}

// runBinary runs a tool's binary in ns with stdin, as a batch must run
// (its goroutines all in the namespace), and returns what it printed and
// its exit status.
func runBinary(t *testing.T, ns *netlab.NS, bin, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := ns.Command(t.Context(), bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errOut.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

// TestLabBatchMatchesDig: gdig -f reads dig's batch format, each line a
// command line without "dig" (names, types, @server, +options, dash
// flags, several lookups), and prints what dig -f prints on the same lab
// servers, line for line (times and IDs aside), with dig's exit status:
// from a file, with a lookup on the command line, from stdin.
func TestLabBatchMatchesDig(t *testing.T) {
	d, hints := hierarchy(t)
	bin := netlab.Binary(t, "gdig")
	auth, tld, dead := d.Servers["auth"].Addr4, d.Servers["tld"].Addr4, d.Servers["dead"].Addr4
	dir := filepath.Dir(hints)
	write := func(name string, lines ...string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	// Against the command line's @server: dig 9.18 tries a line's own
	// @server only after it, so the lines here name none (and every
	// lookup has a lab server: dig would ask resolv.conf's otherwise).
	global := write("global", "www.example.lab", "nothere.example.lab +norec", "www.example.lab AAAA mail.example.lab",
		"-t MX example.lab -x 192.0.2", "example.lab MX +nocomments +nostats", "CH TXT version.bind +nsid",
		// +noall and +short are global in dig from the line on.
		"www.example.lab +noall +authority +additional", "www.example.lab +short", "example.lab MX")
	own := write("own", "@"+auth+" www.example.lab", "@"+tld+" www.example.lab +norecurse +noquestion",
		"@"+dead+" +time=1 +tries=1 www.example.lab", "@"+auth+" www.example.lab AAAA mail.example.lab @"+auth)
	stdin, _ := os.ReadFile(global)
	for _, args := range [][]string{
		{"@" + auth, "-f", global},
		{"@" + auth, "www.example.lab", "TXT", "-f", global},
		{"@" + auth, "+nostats", "-f", "-"},
		{"-f", own},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := d.Client.Command(t.Context(), "dig", args...)
			cmd.Stdin = strings.NewReader(string(stdin))
			want, err := cmd.CombinedOutput()
			wantCode := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				wantCode = ee.ExitCode()
			}
			got, errOut, code := runBinary(t, d.Client, bin, string(stdin), args...)
			if normalize(got) != normalize(string(want)) || code != wantCode {
				t.Errorf("exit %d, dig's %d %s\n%s", code, wantCode, errOut, lineDiff(normalize(string(want)), normalize(got)))
			}
		})
	}
}

// lineDiff shows where got first differs from want, with the lines
// around it.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(i-5, 0)
	show := func(l []string) string { return strings.Join(l[from:min(i+6, len(l))], "\n") }
	return fmt.Sprintf("first difference at line %d\n--- want:\n%s\n--- got:\n%s", i+1, show(w), show(g))
}

// TestLabBatchStreams: a batch's output through a pipe is buffered, but
// reaches the reader while a later lookup still waits (gdig -f names |
// grep is live): the first answer comes long before the dead server's
// lookup after it gives up.
func TestLabBatchStreams(t *testing.T) {
	d, _ := hierarchy(t)
	bin := netlab.Binary(t, "gdig")
	auth, dead := d.Servers["auth"].Addr4, d.Servers["dead"].Addr4
	// Silent, not refusing: its ICMP errors vanish on the way back.
	if err := d.Client.Nft("table ip gdig_silent {\n chain in {\n type filter hook input priority 0;\n ip saddr " + dead + " drop\n }\n}\n"); err != nil {
		t.Fatal(err)
	}
	batch := "@" + auth + " www.example.lab +short\n@" + dead + " www.example.lab +short +time=3 +tries=1\n"
	cmd := d.Client.Command(context.Background(), bin, "-f", "-")
	cmd.Stdin = strings.NewReader(batch)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := d.Client.Start(cmd); err != nil {
		t.Fatal(err)
	}
	first, err := bufio.NewReader(stdout).ReadString('\n')
	took := time.Since(start)
	_ = cmd.Wait()
	t.Logf("first line after %v, the batch's end after %v", took, time.Since(start))
	if err != nil || strings.TrimSpace(first) != "192.0.2.80" || took > 2*time.Second {
		t.Errorf("first line %q (%v) after %v, want 192.0.2.80 well before the dead server's 3 s", first, err, took)
	}
}
