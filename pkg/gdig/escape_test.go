package gdig

import (
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestEscape: server text reaches the terminal with its control bytes as
// \DDD, dig's escape.
func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, control, text string
	}{
		{"plain", "Prohibited by policy", "Prohibited by policy", "Prohibited by policy"},
		{"ESC sequence", "\x1b[2Jgone", `\027[2Jgone`, `\027[2Jgone`},
		{"bell and DEL", "a\x07b\x7f", `a\007b\127`, `a\007b\127`},
		{"tab", "a\tb", "a\tb", `a\009b`},
		{"UTF-8", "é", "é", `\195\169`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapeControl(tc.in); got != tc.control {
				t.Errorf("escapeControl %q, want %q", got, tc.control)
			}
			if got := escapeText(tc.in); got != tc.text {
				t.Errorf("escapeText %q, want %q", got, tc.text)
			}
		})
	}
}

// TestHostileText: a server that puts terminal escapes in a TXT record,
// an EDE's text, its NSID, an unknown option and the owner names gets
// none of them to the terminal, in full output, +short, or +nsid.
func TestHostileText(t *testing.T) {
	const esc = "\x1b]0;pwned\x07\x1b[2J"
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 1}, Txt: []string{esc}},
			&dns.TXT{Hdr: dns.RR_Header{Name: "x\x1b[2J.lab.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 1}, Txt: []string{"y"}}}
		m.SetEdns0(1232, false)
		opt := m.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_EDE{InfoCode: 18, ExtraText: esc},
			&dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: hex.EncodeToString([]byte(esc))},
			&dns.EDNS0_LOCAL{Code: 65001, Data: []byte(esc)})
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	port := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	for _, extra := range [][]string{nil, {"+short"}, {"+nsid"}, {"+nocomments"}} {
		t.Run(strings.Join(append([]string{"text"}, extra...), " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"@127.0.0.1", "-p", port, "www.lab", "TXT"}, extra...)
			if code := Run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			out := stdout.String()
			for i := 0; i < len(out); i++ {
				if c := out[i]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
					t.Fatalf("byte %#x reached the output:\n%q", c, out)
				}
			}
			if !strings.Contains(out, `\027]0`) {
				t.Errorf("the escapes are not shown as \\DDD:\n%s", out)
			}
		})
	}
}

// TestDigWarnings: dig's lines about a datagram a stub ignores.
func TestDigWarnings(t *testing.T) {
	q := new(dns.Msg)
	q.SetQuestion("www.lab.", dns.TypeA)
	q.Id = 100
	r := new(dns.Msg)
	r.SetReply(q)
	pack := func(f func(m *dns.Msg)) []byte {
		m := r.Copy()
		f(m)
		b, _ := m.Pack()
		return b
	}
	tests := []struct {
		name string
		raw  []byte
		want []string
	}{
		{"too short", []byte("\x00\x01junk"), []string{";; Warning: short (< header size) message received"}}, // dig 9.18, seen in TestLabBestEffort
		{"junk", []byte("\x00\x01junk, not DNS"), []string{";; Warning: ID mismatch: expected ID 100, got 1", ";; Warning: query response not set"}},
		{"another ID", pack(func(m *dns.Msg) { m.Id = 101 }), []string{";; Warning: ID mismatch: expected ID 100, got 101"}},
		{"a query", pack(func(m *dns.Msg) { m.Response = false }), []string{";; Warning: query response not set"}},
		{"another question", pack(func(m *dns.Msg) { m.Question[0].Name = "junk.www.lab." }), []string{";; ;; Question section mismatch: got junk.www.lab/A/IN"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := digWarnings(q, tc.raw); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}
