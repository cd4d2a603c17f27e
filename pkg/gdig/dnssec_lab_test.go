package gdig

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// signedZone is a lab zone to sign with ldns-signzone: its records, and
// what to break in it.
type signedZone struct {
	origin   string
	server   string
	records  []string
	unsigned bool
	nsec3    string // ldns-signzone's NSEC3 flags: "" for NSEC, "-n -t 0" or "-n -t 0 -p"
	expired  bool   // signatures that ended yesterday
	wrongDS  bool   // the parent's DS matches no key of the zone
	wrongKey string // the owner whose RRSIG is made by a key the zone does not publish
	drop     string // a name whose records go after signing, its NSEC kept: a wrong denial
	keyTrap  bool   // signed in Go: hundreds of keys with one tag, dozens of signatures that fail (keytrap.go)
}

// labZoneText is the zone file the lab writes for z (netlab's zoneText):
// the SOA and NS the signatures must cover.
func labZoneText(origin, server string, records []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n", origin)
	fmt.Fprintf(&b, "@ IN SOA %s.ns.lab. hostmaster.lab. 1 3600 600 86400 300\n", server)
	fmt.Fprintf(&b, "@ IN NS %s.ns.lab.\n", server)
	for _, r := range records {
		b.WriteString(r + "\n")
	}
	return b.String()
}

// keygen makes a key for zone in dir and returns its base name.
func keygen(t *testing.T, dir, zone string, ksk bool) string {
	t.Helper()
	args := []string{"-a", "ECDSAP256SHA256"}
	if ksk {
		args = append(args, "-k")
	}
	cmd := exec.Command("ldns-keygen", append(args, zone)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ldns-keygen %s: %v", zone, err)
	}
	return strings.TrimSpace(string(out))
}

// sign signs the zone text with the keys and returns the signed zone's
// records, less the SOA and apex NS the lab writes itself.
func sign(t *testing.T, dir, origin, text, flags string, keys []string, inception, expiration time.Time) []string {
	t.Helper()
	file := filepath.Join(dir, strings.TrimSuffix(origin, ".")+".zone")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-i", inception.UTC().Format("20060102150405"), "-e", expiration.UTC().Format("20060102150405"), "-f", file + ".signed", "-o", origin}
	args = append(args, strings.Fields(flags)...)
	args = append(args, file)
	args = append(args, keys...)
	cmd := exec.Command("ldns-signzone", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ldns-signzone %v: %v\n%s", args, err, out)
	}
	f, err := os.Open(file + ".signed")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		fs := strings.Fields(l)
		if len(fs) < 4 || strings.HasPrefix(l, ";") {
			continue
		}
		if fs[3] == "SOA" || (fs[3] == "NS" && strings.EqualFold(fs[0], origin)) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// dsOf is the DS record of a key, as ldns-keygen wrote it.
func dsOf(t *testing.T, dir, key string) string {
	b, err := os.ReadFile(filepath.Join(dir, key+".ds"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// signedHierarchy builds the lab's signed DNS: a signed root and lab.,
// and below lab. a zone for each case of the issue. It returns the DNS,
// the root hints and the trust anchor file (the lab root's KSK as DS).
func signedHierarchy(t *testing.T) (*netlab.DNS, string, string) {
	t.Helper()
	netlab.Need(t, "nsd", "unbound", "delv", "ldns-signzone", "ldns-keygen")
	l := netlab.ForTest(t)
	dir := t.TempDir()
	servers := []string{"root", "tld", "auth", "auth2"}
	addr := map[string]string{}
	for i, s := range servers {
		addr[s] = fmt.Sprintf("198.19.0.%d", i+2)
	}
	glue := func(n string) string { return n + ".ns.lab. IN A " + addr[n] }
	www := []string{"www IN A 192.0.2.80", "mail IN A 192.0.2.25", "@ IN MX 10 mail", "*.wild IN TXT \"wildcard\""}
	children := []signedZone{
		{origin: "example.lab.", server: "auth", records: append([]string{"alias IN CNAME www.nsec3.lab.", "toinsecure IN CNAME www.unsigned.lab."}, www...)},
		{origin: "unsigned.lab.", server: "auth", records: www, unsigned: true},
		{origin: "expired.lab.", server: "auth", records: www, expired: true},
		{origin: "wrongds.lab.", server: "auth", records: www, wrongDS: true},
		{origin: "wrongkey.lab.", server: "auth", records: www, wrongKey: "www.wrongkey.lab."},
		{origin: "badnsec.lab.", server: "auth", records: www, drop: "www.badnsec.lab."},
		{origin: "nsec3.lab.", server: "auth", records: www, nsec3: "-n -t 0"},
		{origin: "optout.lab.", server: "auth", records: append([]string{"insec IN NS auth2.ns.lab."}, www...), nsec3: "-n -t 0 -p"},
		{origin: "insec.optout.lab.", server: "auth2", records: www, unsigned: true},
		{origin: "manyiter.lab.", server: "auth", records: www, nsec3: "-n -t 200"},
		{origin: "keytrap.lab.", server: "auth", keyTrap: true},
	}
	now := time.Now()
	inc, exp := now.Add(-24*time.Hour), now.Add(30*24*time.Hour)
	var zones []netlab.Zone
	dsRecords := map[string][]string{} // parent -> DS records of its children
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		recs := append(append([]string{}, c.records...), dsRecords[c.origin]...)
		if c.keyTrap {
			recs, ds := keyTrapZone(t, c.origin)
			zones = append(zones, netlab.Zone{Origin: c.origin, Servers: []string{c.server}, Records: recs})
			dsRecords["lab."] = append(dsRecords["lab."], ds)
			continue
		}
		if c.unsigned {
			zones = append(zones, netlab.Zone{Origin: c.origin, Servers: []string{c.server}, Records: recs})
			continue
		}
		ksk, zsk := keygen(t, dir, c.origin, true), keygen(t, dir, c.origin, false)
		i0, e0 := inc, exp
		if c.expired {
			i0, e0 = now.Add(-30*24*time.Hour), now.Add(-24*time.Hour)
		}
		signed := sign(t, dir, c.origin, labZoneText(c.origin, c.server, recs), c.nsec3, []string{ksk, zsk}, i0, e0)
		if c.wrongKey != "" {
			other := keygen(t, dir, c.origin, false)
			alt := sign(t, dir, c.origin, labZoneText(c.origin, c.server, recs), c.nsec3, []string{ksk, other}, i0, e0)
			signed = swapSig(signed, alt, c.wrongKey)
		}
		if c.drop != "" {
			signed = dropName(signed, c.drop)
		}
		zones = append(zones, netlab.Zone{Origin: c.origin, Servers: []string{c.server}, Records: signed})
		parent := strings.SplitN(c.origin, ".", 2)[1]
		ds := dsOf(t, dir, ksk)
		if c.wrongDS {
			ds = dsOf(t, dir, keygen(t, dir, c.origin, true))
		}
		dsRecords[parent] = append(dsRecords[parent], ds)
	}
	var labRecs []string
	for _, c := range children {
		if strings.Count(c.origin, ".") == 2 {
			labRecs = append(labRecs, strings.TrimSuffix(c.origin, ".lab.")+" IN NS "+c.server+".ns.lab.")
		}
	}
	for _, s := range servers {
		labRecs = append(labRecs, glue(s))
	}
	labRecs = append(labRecs, dsRecords["lab."]...)
	labKSK, labZSK := keygen(t, dir, "lab.", true), keygen(t, dir, "lab.", false)
	zones = append(zones, netlab.Zone{Origin: "lab.", Servers: []string{"tld"},
		Records: sign(t, dir, "lab.", labZoneText("lab.", "tld", labRecs), "", []string{labKSK, labZSK}, inc, exp)})
	rootKSK, rootZSK := keygen(t, dir, ".", true), keygen(t, dir, ".", false)
	rootRecs := []string{"lab. IN NS tld.ns.lab.", glue("root"), glue("tld"), dsOf(t, dir, labKSK)}
	zones = append(zones, netlab.Zone{Origin: ".", Servers: []string{"root"},
		Records: sign(t, dir, ".", labZoneText(".", "root", rootRecs), "", []string{rootKSK, rootZSK}, inc, exp)})
	d, err := l.NewDNS(netlab.DNSConfig{Servers: servers, Zones: zones})
	if err != nil {
		t.Fatal(err)
	}
	hints := filepath.Join(dir, "root.hints")
	if err := os.WriteFile(hints, []byte(d.RootHints()), 0o644); err != nil {
		t.Fatal(err)
	}
	anchor := filepath.Join(dir, "anchor.ds")
	if err := os.WriteFile(anchor, []byte(dsOf(t, dir, rootKSK)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return d, hints, anchor
}

// swapSig puts alt's RRSIGs over owner in place of signed's.
func swapSig(signed, alt []string, owner string) []string {
	var out []string
	isSig := func(l string) bool {
		fs := strings.Fields(l)
		return strings.EqualFold(fs[0], owner) && fs[3] == "RRSIG" && fs[4] == "A"
	}
	for _, l := range signed {
		if !isSig(l) {
			out = append(out, l)
		}
	}
	for _, l := range alt {
		if isSig(l) {
			out = append(out, l)
		}
	}
	return out
}

// dropName removes owner's records but its NSEC (and that NSEC's RRSIG).
func dropName(signed []string, owner string) []string {
	var out []string
	for _, l := range signed {
		fs := strings.Fields(l)
		if strings.EqualFold(fs[0], owner) && fs[3] != "NSEC" && !(fs[3] == "RRSIG" && fs[4] == "NSEC") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// startValidatingUnbound runs unbound on the client's loopback with the
// lab's hints and trust anchor, validating.
func startValidatingUnbound(t *testing.T, d *netlab.DNS, hints, anchor string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf(`server:
  interface: 127.0.0.1
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: %q
  root-hints: %q
  trust-anchor-file: %q
  module-config: "validator iterator"
  use-syslog: no
  logfile: %q
  access-control: 127.0.0.0/8 allow
  ede: yes
  val-log-level: 2
  trust-anchor-signaling: no
  root-key-sentinel: no
remote-control:
  control-enable: no
`, dir, filepath.Join(dir, "unbound.pid"), hints, anchor, filepath.Join(dir, "unbound.log"))
	path := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := d.Client.Command(t.Context(), "unbound", "-d", "-c", path)
	if err := d.Client.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.WaitTCP("127.0.0.1:53", 5*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
		t.Fatalf("unbound did not start: %s", log)
	}
	return cmd
}

// delvAnchors is the trust anchor in bind.keys syntax, for delv -a.
func delvAnchors(t *testing.T, anchor string) string {
	b, err := os.ReadFile(anchor)
	if err != nil {
		t.Fatal(err)
	}
	fs := strings.Fields(string(b))
	// ". 3600 IN DS tag alg digesttype digest"
	n := len(fs)
	text := fmt.Sprintf("trust-anchors {\n  %q static-ds %s %s %s %q;\n};\n", fs[0], fs[n-4], fs[n-3], fs[n-2], fs[n-1])
	path := filepath.Join(filepath.Dir(anchor), "bind.keys")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	delvVerdict = regexp.MustCompile(`(?m)^;+ (fully validated|unsigned answer|negative response, fully validated|negative response, unsigned answer|resolution failed: .*)$`)
	gdigVerdict = delvVerdict
)

// delvCategory is delv's verdict on the whole answer: delv judges each
// RRset (a CNAME secure, its unsigned target insecure); the weakest wins,
// as in gdig's one verdict and unbound's AD bit.
func delvCategory(out string) string {
	worst := ""
	rank := map[string]int{"": 0, "secure": 1, "insecure": 2, "bogus": 3}
	for _, l := range delvVerdict.FindAllString(out, -1) {
		if c := category(l); rank[c] > rank[worst] || strings.HasPrefix(c, "?") {
			worst = c
		}
	}
	return worst
}

// category is a verdict's class: secure, insecure or bogus.
func category(line string) string {
	switch {
	case strings.Contains(line, "fully validated"):
		return "secure"
	case strings.Contains(line, "unsigned"):
		return "insecure"
	case strings.Contains(line, "ncache"):
		return "secure" // delv's word for a validated negative answer
	case strings.Contains(line, "resolution failed"):
		return "bogus"
	}
	return "?" + line
}

// TestLabValidate: gdig +validate's verdict on every signed-lab case is
// the one the issue asks for, and the one delv and a validating unbound
// reach on the same lab.
func TestLabValidate(t *testing.T) {
	d, hints, anchor := signedHierarchy(t)
	startValidatingUnbound(t, d, hints, anchor)
	keys := delvAnchors(t, anchor)
	for _, c := range []struct {
		name, qtype, want string
		ede               string
		delv              string // where delv judges otherwise
	}{
		{"www.example.lab", "A", "secure", "", ""},
		{"example.lab", "MX", "secure", "", ""},
		{"nothere.example.lab", "A", "secure", "", ""},  // NSEC NXDOMAIN
		{"www.example.lab", "TXT", "secure", "", ""},    // NSEC NODATA
		{"x.wild.example.lab", "TXT", "secure", "", ""}, // wildcard with its NSEC
		{"www.unsigned.lab", "A", "insecure", "", ""},
		{"www.expired.lab", "A", "bogus", "EDE: 7", ""},
		{"www.wrongds.lab", "A", "bogus", "EDE: 9", ""},
		{"www.wrongkey.lab", "A", "bogus", "EDE: 9", ""},
		{"www.badnsec.lab", "A", "bogus", "EDE: 12", ""},
		{"www.nsec3.lab", "A", "secure", "", ""},
		{"x.wild.nsec3.lab", "TXT", "secure", "", ""},       // wildcard with its NSEC3
		{"alias.example.lab", "A", "secure", "", ""},        // CNAME from one signed zone to another
		{"toinsecure.example.lab", "A", "insecure", "", ""}, // CNAME into an unsigned zone
		{"nothere.nsec3.lab", "A", "secure", "", ""},        // NSEC3 NXDOMAIN
		// NSEC3 NXDOMAIN in an opt-out span: unbound (and gdig) call it
		// insecure, since the span may hide an unsigned delegation the
		// proof could be replayed against; BIND's delv calls it secure.
		{"nothere.optout.lab", "A", "insecure", "", "secure"},
		{"www.insec.optout.lab", "A", "insecure", "", ""},
		// NSEC3 of 200 iterations: more than RFC 9276 lets a validator
		// spend, so the denial is insecure; the signed A stays secure.
		{"nothere.manyiter.lab", "A", "insecure", "", ""},
		{"www.manyiter.lab", "A", "secure", "", ""},
	} {
		t.Run(c.name+"/"+c.qtype, func(t *testing.T) {
			out, errOut, code := d.Client.RunTool(t, Run, "--root-hints", hints, "--trust-anchor", anchor, "+validate", c.name, c.qtype)
			t.Logf("gdig:\n%s", out)
			v := gdigVerdict.FindString(out)
			if category(v) != c.want {
				t.Errorf("gdig: %q, want %s (exit %d)\n%s%s", v, c.want, code, out, errOut)
			}
			if wantCode := map[bool]int{true: 1, false: 0}[c.want == "bogus"]; code != wantCode {
				t.Errorf("gdig: exit %d, want %d", code, wantCode)
			}
			if c.ede != "" && !strings.Contains(out, c.ede) {
				t.Errorf("gdig: no %q in\n%s", c.ede, out)
			}
			if c.want == "secure" && !regexp.MustCompile(`flags: qr[a-z ]* ad`).MatchString(out) {
				t.Errorf("gdig: secure without AD\n%s", out)
			}
			// As delv @server: the validating unbound asked with CD
			// hands over the records, gdig judges them.
			st, stErr, stCode := d.Client.RunTool(t, Run, "@127.0.0.1", "--trust-anchor", anchor, "+validate", c.name, c.qtype)
			if got := category(gdigVerdict.FindString(st)); got != c.want || (stCode == 1) != (got == "bogus") {
				t.Errorf("gdig @unbound: %s (exit %d), want %s\n%s%s", got, stCode, c.want, st, stErr)
			}
			t.Logf("gdig @unbound:\n%s", st)
			js, _, _ := d.Client.RunTool(t, Run, "--root-hints", hints, "--trust-anchor", anchor, "+validate", "--json", c.name, c.qtype)
			if !strings.Contains(js, `"security":"`+c.want+`"`) || !strings.Contains(js, `"type":"validation"`) {
				t.Errorf("--json: no %s validation event\n%s", c.want, js)
			}
			dv, _ := d.Client.CombinedOutput(t, "delv", "@127.0.0.1", "-a", keys, "+root=.", c.name, c.qtype)
			wantDelv := c.want
			if c.delv != "" {
				wantDelv = c.delv
			}
			if got := delvCategory(dv); got != wantDelv {
				t.Errorf("delv: %s, want %s\n%s", got, wantDelv, dv)
			}
			ub, _ := d.Client.CombinedOutput(t, "dig", "@127.0.0.1", "+time=5", c.name, c.qtype)
			if got := unboundVerdict(ub); got != c.want {
				t.Errorf("unbound: %s, want %s\n%s", got, c.want, ub)
			}
		})
	}
}

// unboundVerdict reads a validating unbound's verdict from dig's output:
// SERVFAIL is bogus, AD secure, an answer without AD insecure.
func unboundVerdict(out string) string {
	switch {
	case strings.Contains(out, "status: SERVFAIL"):
		return "bogus"
	case regexp.MustCompile(`flags: qr[a-z ]* ad`).MatchString(out):
		return "secure"
	}
	return "insecure"
}

// TestLabValidateQueryCounts: a cold validated resolution of each signed
// lab case costs gdig no more queries than a cold validating unbound
// (the DS and DNSKEY lookups of the chain included).
func TestLabValidateQueryCounts(t *testing.T) {
	d, hints, anchor := signedHierarchy(t)
	qc := queryCounter{t, d.Client}
	for _, q := range [][]string{
		{"www.example.lab", "A"}, {"nothere.example.lab", "A"}, {"www.unsigned.lab", "A"}, {"www.expired.lab", "A"},
		{"www.nsec3.lab", "A"}, {"nothere.optout.lab", "A"}, {"www.insec.optout.lab", "A"},
	} {
		var start time.Time
		var ourTime, theirTime time.Duration
		ours := qc.count(func() {
			start = time.Now()
			d.Client.RunTool(t, Run, "--root-hints", hints, "--trust-anchor", anchor, "+validate", q[0], q[1])
			ourTime = time.Since(start)
		})
		unbound := startValidatingUnbound(t, d, hints, anchor)
		theirs := qc.count(func() {
			start = time.Now()
			d.Client.CombinedOutput(t, "dig", "+tries=1", "+time=10", "@127.0.0.1", q[0], q[1])
			theirTime = time.Since(start)
		})
		_ = unbound.Process.Kill()
		_ = unbound.Wait()
		t.Logf("%-24s gdig %2d queries %4.0f ms   unbound %2d queries %4.0f ms", q[0]+" "+q[1], ours, ourTime.Seconds()*1000, theirs, theirTime.Seconds()*1000)
		if ours > theirs {
			t.Errorf("%v: gdig %d queries, unbound %d", q, ours, theirs)
		}
	}
}
