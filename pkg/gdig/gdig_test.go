package gdig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/resolver"
)

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		rr, want string
	}{
		{"www.example.lab. 3600 IN A 192.0.2.80", "www.example.lab.\t3600\tIN\tA\t192.0.2.80"},
		{"example.lab. 3600 IN NS auth.ns.lab.", "example.lab.\t\t3600\tIN\tNS\tauth.ns.lab."},
		// Past column 24 dig writes one space, and goes on in its columns.
		{"a.very.long.name.example.lab. 5 IN A 192.0.2.1", "a.very.long.name.example.lab. 5\tIN\tA\t192.0.2.1"},
		{"verylongownername-xxxxxxxxxxxx.t.lab. 3600 IN A 192.0.2.9", "verylongownername-xxxxxxxxxxxx.t.lab. 3600 IN A\t192.0.2.9"},
		{"ipseckey.t.lab. 3600 IN IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==", "ipseckey.t.lab.\t\t3600\tIN\tIPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="},
	} {
		t.Run(tc.rr, func(t *testing.T) {
			rr, err := dns.NewRR(tc.rr)
			if err != nil {
				t.Fatal(err)
			}
			if got := rrString(rr); got != tc.want {
				t.Errorf("%q\nwant %q", got, tc.want)
			}
		})
	}
	q := dns.Question{Name: "www.example.lab.", Qtype: dns.TypeA, Qclass: dns.ClassINET}
	if got := questionString(q); got != ";www.example.lab.\t\tIN\tA" {
		t.Errorf("question %q", got)
	}
	hints, err := parseHints(strings.NewReader(".\t3600000\tNS\troot1.ns.lab.\nroot1.ns.lab.\t3600000\tA\t198.19.0.2\nroot1.ns.lab.\t3600000\tAAAA\tfd00:19::2\n"))
	if err != nil || strings.Join(hints, " ") != "198.19.0.2 fd00:19::2" {
		t.Errorf("hints %v, %v", hints, err)
	}
}

// FuzzMessageText: any message a server can send renders without panic,
// as records, as +short, and as +dns64prefix's prefixes.
func FuzzMessageText(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("www.example.lab.", dns.TypeA)
	rr, _ := dns.NewRR("www.example.lab. 300 IN A 192.0.2.1")
	m.Answer = append(m.Answer, rr)
	m.SetEdns0(1232, true)
	b, _ := m.Pack()
	f.Add(b)
	// A record of every type, for the per-type layouts (rdata.go), those
	// gdig decodes from RFC 3597's form (rdata_known.go) among them.
	for _, text := range append(typeRecords, digOnlyRecords...) {
		if rr, err := dns.NewRR("$ORIGIN t.lab.\n" + text); err == nil {
			one := m.Copy()
			one.Answer = []dns.RR{rr}
			if b, err := one.Pack(); err == nil {
				f.Add(b)
			}
		}
	}
	// ipv4only.arpa's AAAA records, for +dns64prefix.
	dns64 := m.Copy()
	dns64.Answer = nil
	for _, text := range dns64Records() {
		if rr, err := dns.NewRR("$ORIGIN ipv4only.arpa.\n" + text); err == nil {
			dns64.Answer = append(dns64.Answer, rr)
		}
	}
	if b, err := dns64.Pack(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		_ = messageText(m)
		_ = shortText(m, display{split: 56})
		for _, d := range []display{{multiline: true, rrComments: true}, {unknown: true, noCrypto: true, split: 8}} {
			_ = sectionText(m, nil, allSections, d)
		}
		_, _ = json.Marshal(messageJSON(m, "x", 0, 0))
		_ = dns64Text(m)
	})
}

// TestReadBatch: each line of a batch is read as dig -f reads it, a
// command line without "dig": several lookups, @server, +options and
// dash flags; the options before a line's first name are that lookup's,
// the globals a line sets hold for the lines below; comments skipped.
func TestReadBatch(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, tc := range []struct {
		name, lines string
		want        []string // per lookup: name type server rec port short noCmd brief
	}{
		{"names and types", "www.example.lab\n\n; comment\n# comment\nexample.lab mx\n",
			[]string{"www.example.lab   rec 53 false false false", "example.lab mx  rec 53 false false true"}},
		{"a word that is no type is a name", "www.example.lab NOPE\n",
			[]string{"www.example.lab   rec 53 false false false", "NOPE   rec 53 false true false"}},
		{"options before the first name are its own", "@192.0.2.1 +norec a.lab MX b.lab\n",
			[]string{"a.lab MX 192.0.2.1 norec 53 false false false", "b.lab   rec 53 false true false"}},
		{"options after a name", "a.lab +norec b.lab AAAA @192.0.2.2\n",
			[]string{"a.lab   norec 53 false false false", "b.lab AAAA 192.0.2.2 rec 53 false true false"}},
		{"dash flags", "-t MX a.lab -x 192.0.2.1\n",
			[]string{"a.lab MX  rec 53 false false false", "   rec 53 false true false"}},
		{"globals hold for the lines below", "-p 5353 a.lab\n+short b.lab\nc.lab\n",
			[]string{"a.lab   rec 5353 false false false", "b.lab   rec 5353 true false true", "c.lab   rec 5353 true false true"}},
		{"a line without a name asks for the root", "+norec\n",
			[]string{"   norec 53 false false false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, def, done, _ := parseArgs([]string{"-f", "-"}, io.Discard, io.Discard)
			if done {
				t.Fatal("refused")
			}
			items, done, code := readBatch(strings.NewReader(tc.lines), def, io.Discard, io.Discard, false)
			if done {
				t.Fatalf("refused, %d", code)
			}
			var got []string
			for _, it := range items {
				o := it.o
				got = append(got, fmt.Sprintf("%s %s %s %s %d %v %v %v", o.name, o.qtype, o.server, map[bool]string{true: "norec", false: "rec"}[o.norec],
					o.port, o.globals.short, it.noCmd, it.brief))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if def.port != 53 || def.globals.short {
				t.Errorf("a line changed the command line's globals: port %d, short %v", def.port, def.globals.short)
			}
		})
	}
	_, def, _, _ := parseArgs([]string{"-f", "-"}, io.Discard, io.Discard)
	var stderr bytes.Buffer
	if _, done, code := readBatch(strings.NewReader("a.lab\nb.lab +nosuchoption\n"), def, io.Discard, &stderr, false); !done || code != exitUsage {
		t.Errorf("a bad option: done %v, exit %d, %q", done, code, stderr.String())
	}
}

// TestLookupsStatus: several lookups end as dig 9.18 ends them, with the
// last one's status, but 1 when one was bogus (or refused).
func TestLookupsStatus(t *testing.T) {
	for _, tc := range []struct {
		codes []int
		want  int
	}{
		{nil, 0},
		{[]int{0, 0}, 0},
		{[]int{9, 0}, 0},
		{[]int{0, 9}, 9},
		{[]int{1, 0, 0}, 1},
		{[]int{1, 9}, 9},
	} {
		if got := lookupsStatus(tc.codes); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.codes, got, tc.want)
		}
	}
}

// TestStubJSON: gdig @server --json prints one object whose members carry
// RFC 8427's names and the answer as the server sent it (an in-process
// server on loopback).
func TestStubJSON(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		a, _ := dns.NewRR("www.example.lab. 300 IN A 192.0.2.80")
		mx, _ := dns.NewRR("www.example.lab. 300 IN MX 10 mail.example.lab.")
		m.Answer = []dns.RR{a, mx}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	port := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)

	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"@127.0.0.1", "-p", port, "--json", "www.example.lab"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := strings.TrimSpace(stdout.String())
	if strings.Count(out, "\n") != 0 {
		t.Fatalf("want one JSON line:\n%s", out)
	}
	var msg struct {
		Type      string           `json:"type"`
		ID        int              `json:"ID"`
		QR        bool             `json:"QR"`
		AA        bool             `json:"AA"`
		RCODEname string           `json:"RCODEname"`
		QNAME     string           `json:"QNAME"`
		ANCOUNT   int              `json:"ANCOUNT"`
		Answer    []map[string]any `json:"answerRRs"`
		Authority []map[string]any `json:"authorityRRs"`
	}
	if err := json.Unmarshal([]byte(out), &msg); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if msg.Type != "answer" || !msg.QR || !msg.AA || msg.RCODEname != "NOERROR" || msg.QNAME != "www.example.lab." || msg.ANCOUNT != 2 || len(msg.Answer) != 2 || msg.Authority == nil {
		t.Fatalf("message fields: %s", out)
	}
	for _, tc := range []struct {
		i                      int
		typ, data, key, hexdat string
	}{
		{0, "A", "192.0.2.80", "rdataA", "C0000250"},
		{1, "MX", "10 mail.example.lab.", "rdataMX", "000A046D61696C076578616D706C65036C616200"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			rr := msg.Answer[tc.i]
			if rr["NAME"] != "www.example.lab." || rr["TYPEname"] != tc.typ || rr["CLASSname"] != "IN" || rr["TTL"] != float64(300) ||
				rr["rdata"] != tc.data || rr[tc.key] != tc.data || rr["RDATAHEX"] != tc.hexdat || rr["RDLENGTH"] != float64(len(tc.hexdat)/2) {
				t.Errorf("record %d: %v", tc.i, rr)
			}
		})
	}
}

// TestReverseName: -x takes whole addresses and, as dig does, IPv4
// prefixes of one to three octets.
func TestReverseName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1", "1.2.0.192.in-addr.arpa."},
		{"192.0.2", "2.0.192.in-addr.arpa."},
		{"10", "10.in-addr.arpa."},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"192.0.256", ""},
		{"1.2.3.4.5", ""},
		{"01.2", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := reverseName(tc.in)
			if got != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("reverseName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestEvents: every NDJSON event gdig prints keeps the suite's vocabulary
// and the bytes it had as a map: keys in alphabetical order, "type" among
// them, and a key left out only where the map left it out.
func TestEvents(t *testing.T) {
	clitest.CheckEvents(t, traceEvent{}, noReplyEvent{}, resolveErrorEvent{}, answerEvent{})

	m := new(dns.Msg)
	m.SetQuestion("www.example.lab.", 9999)
	m.Id = 7
	resp := new(dns.Msg)
	resp.SetQuestion("www.example.lab.", dns.TypeA)
	server := netip.MustParseAddrPort("127.0.0.1:53")
	stub := stubServer{addr: server.Addr(), host: "127.0.0.1", port: 53}
	for _, tc := range []struct {
		name  string
		print func(p printer)
		want  string
	}{
		{"trace", func(p printer) {
			p.traceStep(resolver.Event{Kind: "response", Depth: 1, Zone: "lab.", Server: server, QName: "www.example.lab.", RTT: 1500 * time.Microsecond, Msg: resp, Note: "x"})
		}, `{"depth":1,"kind":"response","note":"x","qname":"www.example.lab.","rtt_ms":1.5,"server":"127.0.0.1:53","type":"trace","zone":"lab."}`},
		{"trace without server", func(p printer) {
			p.traceStep(resolver.Event{Kind: "cname", QName: "a.lab.", Note: "-> b.lab."})
		}, `{"depth":0,"kind":"cname","note":"-\u003e b.lab.","qname":"a.lab.","type":"trace","zone":""}`},
		{"no reply", func(p printer) { p.stubNoReply(stub, "udp", "", errors.New("timed out")) },
			`{"error":"timed out","server":"127.0.0.1:53","type":"error"}`},
		{"resolve failed", func(p printer) { p.resolveFailed("www.example.lab", dns.TypeA, errors.New("no")) },
			`{"error":"no","name":"www.example.lab.","type":"error"}`},
		{"answer", func(p printer) { p.answer(reply{msg: m, rtt: time.Millisecond, server: "s", queries: 3}) },
			`{"AA":false,"AD":false,"ANCOUNT":0,"ARCOUNT":0,"CD":false,"ID":7,"NSCOUNT":0,"Opcode":0,"QCLASS":1,"QCLASSname":"IN","QDCOUNT":1,"QNAME":"www.example.lab.","QR":false,"QTYPE":9999,"QTYPEname":"","RA":false,"RCODE":0,"RCODEname":"NOERROR","RD":true,"TC":false,"additionalRRs":[],"answerRRs":[],"authorityRRs":[],"queries":3,"query_time_ms":1,"server":"s","type":"answer"}`},
		{"answer without question", func(p printer) { p.answer(reply{msg: new(dns.Msg), server: "(cache)"}) },
			`{"AA":false,"AD":false,"ANCOUNT":0,"ARCOUNT":0,"CD":false,"ID":0,"NSCOUNT":0,"Opcode":0,"QDCOUNT":0,"QR":false,"RA":false,"RCODE":0,"RCODEname":"NOERROR","RD":false,"TC":false,"additionalRRs":[],"answerRRs":[],"authorityRRs":[],"query_time_ms":0,"server":"(cache)","type":"answer"}`},
		{"failed try", func(p printer) { p.stubTryFailed(stub, "x", "udp", errors.New("no"), false) }, ``},
		{"trace start", func(p printer) { p.traceStart("; <<>> gdig") }, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tc.print(jsonPrinter{cli.NewNDJSON(&out)})
			if got := strings.TrimSuffix(out.String(), "\n"); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestPlusNumbers: numeric +options refused in dig's words and status:
// no value is no option (1), a value that is no number or out of range
// is an error (10).
func TestPlusNumbers(t *testing.T) {
	for _, tc := range []struct {
		arg, want string
		code      int
	}{
		{"+time=abc", "gdig: invalid timeout 'abc': not a valid number", exitInternal},
		{"+tries=x", "gdig: invalid tries 'x': not a valid number", exitInternal},
		{"+retry=z", "gdig: invalid retries 'z': not a valid number", exitInternal},
		{"+bufsize=abc", "gdig: invalid buffer size 'abc': not a valid number", exitInternal},
		{"+bufsize=-1", "gdig: invalid buffer size '-1': not a valid number", exitInternal},
		{"+bufsize=70000", "gdig: invalid buffer size '70000': out of range", exitInternal},
		{"+time=", "gdig: Invalid option: +time", exitUsage},
		{"+time=99999999999", "gdig: invalid timeout '99999999999': out of range", exitInternal},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), []string{tc.arg, "@127.0.0.1", "-p", "1", "x.lab"}, nil, &stdout, &stderr)
			if code != tc.code || strings.TrimSpace(stderr.String()) != tc.want {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}
