package gdig

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// padTo pads s with tabs to column col (tab stops of 8), at least one tab,
// as dig lays out its columns.
func padTo(s string, col int) string {
	n := len(s)
	tabs := 1
	if n < col {
		tabs = (col - n + 7) / 8
	}
	return s + strings.Repeat("\t", tabs)
}

// rrString is one record in dig's presentation layout.
func rrString(rr dns.RR) string {
	text := escapeControl(rr.String())
	f := strings.SplitN(text, "\t", 5)
	if len(f) < 5 {
		return text
	}
	return padTo(f[0], 24) + f[1] + "\t" + f[2] + "\t" + f[3] + "\t" + f[4]
}

func questionString(q dns.Question) string {
	return padTo(";"+escapeControl(q.Name), 32) + dns.ClassToString[q.Qclass] + "\t" + dns.TypeToString[q.Qtype]
}

// escapeControl writes the control characters of s (the tab between
// fields aside) as dig does, \DDD: miekg/dns escapes them in names and
// in most record data already, and this makes sure no server's bytes can
// drive the terminal through a field it leaves raw.
func escapeControl(s string) string {
	return escape(s, func(c byte) bool { return c < 0x20 && c != '\t' || c == 0x7f })
}

// escapeText is escapeControl for free text a server sends (an EDE's
// EXTRA-TEXT): every byte that is not printable ASCII, tab included.
func escapeText(s string) string {
	return escape(s, func(c byte) bool { return c < 0x20 || c >= 0x7f })
}

func escape(s string, bad func(byte) bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; bad(c) {
			fmt.Fprintf(&b, "\\%03d", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// flagsString is dig's ";; flags:" list.
func flagsString(m *dns.Msg) string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{m.Response, "qr"}, {m.Authoritative, "aa"}, {m.Truncated, "tc"}, {m.RecursionDesired, "rd"}, {m.RecursionAvailable, "ra"}, {m.AuthenticatedData, "ad"}, {m.CheckingDisabled, "cd"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	return strings.Join(f, " ")
}

// sections says which parts dig prints (+[no]comments, +[no]question, ...).
type sections struct {
	comments, question, answer, authority, additional, stats, cmd bool
}

var allSections = sections{true, true, true, true, true, true, true}

// set turns one switch on or off by its name in +[no]name.
func (sw *sections) set(name string, on bool) {
	switch name {
	case "comments":
		sw.comments = on
	case "question":
		sw.question = on
	case "answer":
		sw.answer = on
	case "authority":
		sw.authority = on
	case "additional":
		sw.additional = on
	case "stats":
		sw.stats = on
	}
}

// messageText renders a response as dig prints it between ";; Got answer:"
// and ";; Query time".
func messageText(m *dns.Msg) string { return sectionText(m, allSections) }

// sectionText renders what the switches leave on.
func sectionText(m *dns.Msg, sw sections) string {
	if !sw.comments {
		return bareText(m, sw)
	}
	var b strings.Builder
	b.WriteString(headerText(m))
	// dig puts a blank line between sections, none before the first.
	first := true
	if sw.question {
		b.WriteString(";; QUESTION SECTION:\n")
		for _, q := range m.Question {
			b.WriteString(questionString(q) + "\n")
		}
		first = false
	}
	for _, sec := range []struct {
		name string
		on   bool
		rrs  []dns.RR
	}{{"ANSWER", sw.answer, m.Answer}, {"AUTHORITY", sw.authority, m.Ns}, {"ADDITIONAL", sw.additional, m.Extra}} {
		if !sec.on {
			continue
		}
		var rrs []dns.RR
		for _, rr := range sec.rrs {
			if rr.Header().Rrtype != dns.TypeOPT {
				rrs = append(rrs, rr)
			}
		}
		if len(rrs) == 0 {
			continue
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
		fmt.Fprintf(&b, ";; %s SECTION:\n", sec.name)
		for _, rr := range rrs {
			b.WriteString(rrString(rr) + "\n")
		}
	}
	return b.String()
}

// headerText is what dig prints before the sections: the header, the
// flags and the OPT pseudosection.
func headerText(m *dns.Msg) string {
	var b strings.Builder
	fmt.Fprintf(&b, ";; ->>HEADER<<- opcode: %s, status: %s, id: %d\n", dns.OpcodeToString[m.Opcode], dns.RcodeToString[m.Rcode], m.Id)
	extra := len(m.Extra)
	fmt.Fprintf(&b, ";; flags: %s; QUERY: %d, ANSWER: %d, AUTHORITY: %d, ADDITIONAL: %d\n", flagsString(m), len(m.Question), len(m.Answer), len(m.Ns), extra)
	if m.RecursionDesired && !m.RecursionAvailable {
		b.WriteString(";; WARNING: recursion requested but not available\n")
	}
	b.WriteString("\n")
	if opt := m.IsEdns0(); opt != nil {
		flags := ""
		if opt.Do() {
			flags = " do"
		}
		fmt.Fprintf(&b, ";; OPT PSEUDOSECTION:\n; EDNS: version: %d, flags:%s; udp: %d\n", opt.Version(), flags, opt.UDPSize())
		for _, o := range opt.Option {
			b.WriteString(ednsOptionString(o) + "\n")
		}
	}
	return b.String()
}

// bareText is +nocomments: the records the switches leave on, then the
// question, without headings.
func bareText(m *dns.Msg, sw sections) string {
	var b strings.Builder
	for _, sec := range []struct {
		on  bool
		rrs []dns.RR
	}{{sw.answer, m.Answer}, {sw.authority, m.Ns}, {sw.additional, m.Extra}} {
		if !sec.on {
			continue
		}
		for _, rr := range sec.rrs {
			if rr.Header().Rrtype != dns.TypeOPT {
				b.WriteString(rrString(rr) + "\n")
			}
		}
	}
	if sw.question {
		for _, q := range m.Question {
			b.WriteString(questionString(q) + "\n")
		}
	}
	return b.String()
}

// shortText is +short: the answers' data, one per line.
func shortText(m *dns.Msg) string {
	var b strings.Builder
	for _, rr := range m.Answer {
		f := strings.SplitN(escapeControl(rr.String()), "\t", 5)
		if len(f) == 5 {
			b.WriteString(f[4] + "\n")
		}
	}
	return b.String()
}

// ednsOptionString is an EDNS option as dig prints it in the OPT
// pseudosection: extended errors by code and name, NSID and options it has
// no name for as hex bytes and their printable text.
func ednsOptionString(o dns.EDNS0) string {
	switch e := o.(type) {
	case *dns.EDNS0_EDE:
		s := fmt.Sprintf("; EDE: %d", e.InfoCode)
		if name, ok := dns.ExtendedErrorCodeToString[e.InfoCode]; ok {
			s += " (" + name + ")"
		}
		if e.ExtraText != "" {
			s += ": (" + escapeText(e.ExtraText) + ")"
		}
		return s
	case *dns.EDNS0_COOKIE:
		// dig's words: the client cookie alone came back, or with the
		// server's.
		if len(e.Cookie) <= 16 {
			return "; COOKIE: " + escapeControl(e.Cookie) + " (echoed)"
		}
		return "; COOKIE: " + escapeControl(e.Cookie) + " (good)"
	case *dns.EDNS0_NSID:
		raw, err := hex.DecodeString(e.Nsid)
		if err != nil {
			return "; NSID: " + e.Nsid
		}
		return "; NSID: " + hexAndText(raw)
	case *dns.EDNS0_LOCAL:
		return fmt.Sprintf("; OPT=%d: %s", e.Code, hexAndText(e.Data))
	}
	return "; " + escapeControl(o.String())
}

// hexAndText is dig's rendering of opaque option data: the bytes in hex,
// then ("text") with a dot for every byte that does not print.
func hexAndText(raw []byte) string {
	var h, t strings.Builder
	for i, c := range raw {
		if i > 0 {
			h.WriteByte(' ')
		}
		fmt.Fprintf(&h, "%02x", c)
		if c >= 0x20 && c < 0x7f {
			t.WriteByte(c)
		} else {
			t.WriteByte('.')
		}
	}
	return h.String() + " (\"" + t.String() + "\")"
}
