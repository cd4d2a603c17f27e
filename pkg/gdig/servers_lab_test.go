package gdig

import (
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/dnstest"
	"gnetutils/pkg/netlab"
)

// serversLab is one namespace with a server per way of answering on
// addresses of its loopback: good, SERVFAIL, REFUSED, silent (every
// query dropped: a timeout), none (nothing listens: connection refused),
// malformed answers (malformed); and a hosts file naming them in groups,
// for an @server name with several addresses.
type serversLab struct {
	ns  *netlab.NS
	bin string
}

const (
	srvGood      = "198.51.100.1"
	srvServfail  = "198.51.100.2"
	srvRefused   = "198.51.100.3"
	srvSilent    = "198.51.100.4"
	srvNone      = "198.51.100.5"
	srvMalformed = "198.51.100.6"
	srvGood6     = "fd00:53::1"
	srvSilent6   = "fd00:53::4"
)

// serversHosts names the servers in groups, each name's addresses in
// the order the test asks them (glibc's getaddrinfo sorts IPv6 first).
var serversHosts = `198.51.100.4 silentfirst
198.51.100.1 silentfirst
198.51.100.2 sffirst
198.51.100.1 sffirst
198.51.100.3 reffirst
198.51.100.1 reffirst
198.51.100.5 nonefirst
198.51.100.1 nonefirst
198.51.100.4 allsilent
198.51.100.5 allsilent
198.51.100.2 sfsilent
198.51.100.4 sfsilent
198.51.100.1 sfsilent
198.51.100.2 sfref
198.51.100.3 sfref
fd00:53::4 dual
198.51.100.1 dual
fd00:53::1 dual
`

func newServersLab(t *testing.T) *serversLab {
	t.Helper()
	netlab.Need(t, "dig")
	if os.Geteuid() != 0 {
		t.Skip("needs root for the lab")
	}
	l := netlab.ForTest(t)
	ns := l.MustNS(t, "c")
	for _, a := range []string{srvGood, srvServfail, srvRefused, srvSilent, srvNone, srvMalformed} {
		if err := ns.IP("addr", "add", a+"/32", "dev", "lo"); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []string{srvGood6, srvSilent6} {
		if err := ns.IP("addr", "add", a+"/128", "dev", "lo"); err != nil {
			t.Fatal(err)
		}
	}
	records := []string{"example.lab. 3600 IN SOA ns.example.lab. hostmaster.example.lab. 1 3600 600 86400 300",
		"example.lab. 3600 IN NS ns.example.lab.", "www.example.lab. 300 IN A 192.0.2.80"}
	for addr, b := range map[string]dnstest.Behaviour{srvGood: {}, srvGood6: {}, srvServfail: {Lame: dnstest.ServFail},
		srvRefused: {Lame: dnstest.Refused}, srvSilent: {Drop: 1 << 30}, srvSilent6: {Drop: 1 << 30}} {
		srv, err := dnstest.New(records...)
		if err != nil {
			t.Fatal(err)
		}
		srv.SetBehave(func(string, uint16) dnstest.Behaviour { return b })
		if err := ns.Do(func() error { return srv.Listen(net.JoinHostPort(addr, "53")) }); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
	}
	var pc net.PacketConn
	if err := ns.Do(func() (err error) {
		pc, err = net.ListenPacket("udp", net.JoinHostPort(srvMalformed, "53"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	go serveMalformed(pc)
	t.Cleanup(func() { pc.Close() })
	if err := ns.WriteEtc("hosts", []byte(serversHosts)); err != nil {
		t.Fatal(err)
	}
	return &serversLab{ns: ns, bin: netlab.Binary(t, "gdig")}
}

// normalizeServers hides what differs between two runs of the same
// lookup: the tool's name and version, query IDs (in the header line and
// in a hex dump's first row), cookies, times.
var normalizeServers = func() func(string) string {
	re := clitest.Normalize(
		`(?m)^; <<>> .* <<>>`, "; <<>> TOOL <<>>",
		`id: \d+`, "id: ID",
		`(?m)^; COOKIE: [0-9a-f]+`, "; COOKIE: C",
		`(?m)^;; (Query time|WHEN): .*$`, ";; $1: T",
	)
	dump := regexp.MustCompile(`(?m)^(\d+ bytes\n)[0-9a-f]{2} [0-9a-f]{2}(.{52}).{2}`)
	return func(s string) string { return dump.ReplaceAllString(re(s), "${1}ID ID$2..") }
}()

// same runs dig and gdig with args at once (each waits out its own
// timeouts) and fails t unless their output (stdout and stderr, as it
// interleaves) and exit status are the same.
func (sl *serversLab) same(t *testing.T, args ...string) {
	t.Helper()
	var want, got string
	var wantCode, code int
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want, wantCode = sl.ns.CombinedOutput(t, "dig", args...) }()
	go func() { defer wg.Done(); got, code = sl.ns.CombinedOutput(t, sl.bin, args...) }()
	wg.Wait()
	if normalizeServers(got) != normalizeServers(want) || code != wantCode {
		t.Errorf("exit %d/%d\n--- gdig:\n%s--- dig:\n%s", code, wantCode, got, want)
	}
}

// TestLabServerList: an @server name with several addresses is asked
// address after address as dig asks them, one count of tries for the
// whole lookup (a server is asked again while more than one try is
// left), with dig's line for each failed try, its "(N servers found)"
// and the SERVER line of the address that answered; -4 and -6 keep the
// addresses of one family. A lookup's own @server comes after the
// command line's.
func TestLabServerList(t *testing.T) {
	sl := newServersLab(t)
	fast := []string{"+time=1", "+tries=1"}
	for _, args := range [][]string{
		append([]string{"@silentfirst"}, fast...),
		{"@silentfirst", "+time=1", "+tries=2"},
		{"@silentfirst", "+tcp", "+time=1", "+tries=1"},
		append([]string{"@silentfirst", "+short"}, fast...),
		append([]string{"@silentfirst", "+nocmd"}, fast...),
		{"@nonefirst"}, // connection refused, three times
		{"@nonefirst", "+tcp"},
		append([]string{"@allsilent"}, fast...), // none answers: status 9
		append([]string{"@allsilent", "+short"}, fast...),
		append([]string{"@dual"}, fast...), // IPv6 first, as getaddrinfo sorts them
		{"@dual", "-4"},
		append([]string{"@dual", "-6"}, fast...),
		append([]string{"@allsilent", "www.example.lab", "@silentfirst"}, fast...),
		{"@silentfirst", "+time=1", "+tries=1", "www.example.lab", "a.example.lab"}, // each lookup afresh
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(strings.Join(args, " "), ".lab") {
				args = append(args, "www.example.lab")
			}
			sl.same(t, args...)
		})
	}
}

// TestLabFail: dig's default +fail takes a SERVFAIL answer as the
// answer; +nofail asks the next server, saying so, and takes the last
// server's SERVFAIL; REFUSED ends the lookup either way.
func TestLabFail(t *testing.T) {
	sl := newServersLab(t)
	for _, args := range [][]string{
		{"@sffirst"},
		{"@sffirst", "+fail"},
		{"@sffirst", "+nofail"},
		{"@sffirst", "+nofail", "+short"},
		{"@sffirst", "+nofail", "+tcp"},
		{"@reffirst", "+nofail"},
		{"@sfref", "+nofail"}, // SERVFAIL, then REFUSED: the answer
		{"@" + srvServfail, "+nofail"},
		{"@sfsilent", "+nofail", "+time=1", "+tries=2"},
		{"@sfsilent", "+time=1", "+tries=1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			sl.same(t, append(args, "www.example.lab")...)
		})
	}
}

// TestLabBestEffort: an answer that does not parse, beside dig, with
// +besteffort and without: cut short in the question, in a record's
// owner, in the answer or authority section, the header alone, a count
// past the records; rdata longer than its type's (extra input data) and
// past the message's end; a compression pointer forward or to itself; a
// bad label type; a name too long; bytes after the last record; a
// message shorter than a header (ignored, with dig's warning).
func TestLabBestEffort(t *testing.T) {
	sl := newServersLab(t)
	for _, label := range []string{"truncq", "truncqname", "truncans", "trunc", "trunc1", "truncauth", "header", "count",
		"rdlen", "rdlen5", "rdlen3", "badlabel", "looplabel", "badq", "longname", "trailing", "short", "ok"} {
		for _, be := range []string{"+nobesteffort", "+besteffort"} {
			t.Run(label+" "+be, func(t *testing.T) {
				t.Parallel()
				sl.same(t, "@"+srvMalformed, "+time=1", "+tries=1", be, label+".example.lab")
			})
		}
	}
	t.Run("short", func(t *testing.T) {
		sl.same(t, "@"+srvMalformed, "+time=1", "+tries=1", "+besteffort", "+short", "trunc.example.lab")
		sl.same(t, "@"+srvMalformed, "+time=1", "+tries=1", "+short", "badlabel.example.lab")
	})
	// --json: one error event, where dig prints its dump.
	t.Run("json", func(t *testing.T) {
		out, code := sl.ns.CombinedOutput(t, sl.bin, "--json", "@"+srvMalformed, "+time=1", "+tries=1", "badlabel.example.lab")
		want := `{"error":"malformed answer: bad compression pointer","server":"198.51.100.6:53","type":"error"}` + "\n"
		if out != want || code != 0 {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
}

// malformed is how the malformed server spoils its answer, chosen by the
// question's first label.
func malformed(q *dns.Msg) []byte {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	name := q.Question[0].Name
	label := strings.ToLower(dns.SplitDomainName(name)[0])
	a := func(ip string) dns.RR { rr, _ := dns.NewRR(name + " 300 IN A " + ip); return rr }
	m.Answer = []dns.RR{a("192.0.2.1"), a("192.0.2.2")}
	txt, _ := dns.NewRR(name + " 300 IN TXT \"hello\"")
	m.Ns = []dns.RR{txt}
	m.Compress = true
	raw, _ := m.Pack()
	qend := 12 + len(name) + 1 + 4 // the question, its name uncompressed
	if name == "." {
		qend = 12 + 1 + 4
	}
	rr1 := qend + 2 + 10 + 4 // the first answer: a pointer to the qname
	switch label {
	case "trunc": // cut in the second answer's rdata
		return raw[:rr1+2+10+2]
	case "truncans": // cut after the first answer's owner
		return raw[:qend+2]
	case "trunc1": // cut after the first answer
		return raw[:rr1]
	case "truncq": // cut in the question's type and class
		return raw[:qend-2]
	case "truncqname": // cut in the question's name
		return raw[:15]
	case "truncauth": // cut in the authority section
		return raw[:len(raw)-3]
	case "rdlen": // the first answer's RDLENGTH past the message's end
		raw[rr1-6], raw[rr1-5] = 0x01, 0x00
		return raw
	case "rdlen5": // an A record of 5 bytes
		raw[rr1-5] = 5
		return raw
	case "rdlen3": // an A record of 3 bytes
		raw[rr1-5] = 3
		return raw
	case "longname": // an owner of five labels of 63 bytes
		m.Answer, m.Ns = nil, nil
		raw, _ = m.Pack() // the header and the question
		raw[7] = 1
		for range 5 {
			raw = append(append(raw, 63), strings.Repeat("x", 63)...)
		}
		return append(raw, 0, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1)
	case "trailing": // bytes after the last record
		return append(raw, 0xde, 0xad, 0xbe, 0xef)
	case "badlabel": // the second answer's owner a pointer forward
		raw[rr1], raw[rr1+1] = 0xc0, byte(len(raw)-2)
		return raw
	case "looplabel": // the second answer's owner a pointer to itself
		raw[rr1], raw[rr1+1] = 0xc0|byte(rr1>>8), byte(rr1)
		return raw
	case "badq": // the question's name a label longer than the message
		raw[12] = 63
		return raw
	case "short": // not even a header
		return raw[:8]
	case "header": // the header alone, counts as they were
		return raw[:12]
	case "count": // one answer more than the message holds
		raw[7]++
		return raw
	}
	return raw
}

// serveMalformed answers every query on pc with malformed's bytes.
func serveMalformed(pc net.PacketConn) {
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := new(dns.Msg)
		if q.Unpack(buf[:n]) != nil || len(q.Question) != 1 {
			continue
		}
		_, _ = pc.WriteTo(malformed(q), from)
	}
}
