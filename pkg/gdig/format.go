package gdig

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// toColumn pads line (its last line) towards col as BIND's text styles
// do: tabs to col's tab stop, then spaces, and never less than one
// character, so a field past its column is followed by one space, or by
// a tab when that one character crosses a tab stop.
func toColumn(line string, col int) string {
	last := line
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		last = line[i+1:]
	}
	from := visibleWidth(last)
	to := max(col, from+1)
	if tabs := to/8 - from/8; tabs > 0 {
		line += strings.Repeat("\t", tabs)
		from = to / 8 * 8
	}
	return line + strings.Repeat(" ", to-from)
}

// visibleWidth is the column a line ends at, tabs every 8.
func visibleWidth(s string) int {
	col := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\t' {
			col = col/8*8 + 8
		} else {
			col++
		}
	}
	return col
}

// rrString is one record in dig's default layout.
func rrString(rr dns.RR) string { return rrText(rr, display{split: 56}) }

// rrText is one record as dig prints it with d: owner, TTL, class, type
// in dig's columns (24, 32, 40, 48; +multiline puts TTL and class
// together), then the data (rdata.go).
func rrText(rr dns.RR, d display) string {
	h := rr.Header()
	class, typ := className(h.Class), typeName(h.Rrtype)
	if d.unknown {
		class, typ = fmt.Sprintf("CLASS%d", h.Class), fmt.Sprintf("TYPE%d", h.Rrtype)
	}
	ttl := fmt.Sprint(h.Ttl)
	if d.ttlUnits {
		ttl = ttlUnits(h.Ttl)
	}
	data := rdataText(rr, d)
	line := escapeControl(d.name(h.Name))
	ttlCol, classCol, typeCol, dataCol := d.columns()
	if !d.noTTL {
		line = toColumn(line, ttlCol) + ttl
	}
	if !d.noClass {
		line = toColumn(line, classCol) + class
	}
	line = toColumn(line, typeCol) + typ
	return toColumn(line, dataCol) + escapeLines(data)
}

// escapeLines is escapeControl for each line of a +multiline layout.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escapeControl(l)
	}
	return strings.Join(lines, "\n")
}

// columns are dig's columns for TTL, class, type and data (dig.c's
// styles): +multiline's, and those without TTL or class, put the fields
// closer together.
func (d display) columns() (ttl, class, typ, data int) {
	switch {
	case d.multiline, d.noTTL && d.noClass:
		return 24, 24, 24, 32
	case d.noTTL || d.noClass:
		return 24, 24, 32, 40
	}
	return 24, 32, 40, 48
}

func questionString(q dns.Question) string { return questionText(q, display{}) }

// questionText is a question as dig prints it in d's columns, which
// BIND counts from after the ";": a name of 23 characters is followed
// by two tabs.
func questionText(q dns.Question, d display) string {
	_, classCol, typeCol, _ := d.columns()
	line := toColumn(escapeControl(d.name(q.Name)), classCol) + className(q.Qclass)
	return ";" + toColumn(line, typeCol) + typeName(q.Qtype)
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
func messageText(m *dns.Msg) string { return sectionText(m, nil, allSections, display{split: 56}) }

// sectionText renders what the switches leave on.
func sectionText(m *dns.Msg, wire *wireRead, sw sections, d display) string {
	if !sw.comments {
		return bareText(m, sw, d)
	}
	var b strings.Builder
	b.WriteString(headerText(m, wire, d))
	// dig puts a blank line between sections, none before the first.
	first := true
	if sw.question && (len(m.Question) > 0 || wire != nil && wire.qname) {
		b.WriteString(";; QUESTION SECTION:\n")
		for _, q := range m.Question {
			b.WriteString(questionText(q, d) + "\n")
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
		rrs := plainRecords(sec.rrs)
		if len(rrs) == 0 {
			continue
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
		fmt.Fprintf(&b, ";; %s SECTION:\n", sec.name)
		for _, rr := range rrs {
			b.WriteString(rrText(rr, d) + "\n")
		}
	}
	if tsig := m.IsTsig(); tsig != nil && sw.additional {
		// dig's TSIG pseudosection follows the sections.
		b.WriteString("\n;; TSIG PSEUDOSECTION:\n" + rrText(tsig, d) + "\n")
	}
	return b.String()
}

// plainRecords are rrs without the pseudo-records OPT and TSIG, which dig
// prints in pseudosections of their own.
func plainRecords(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if t := rr.Header().Rrtype; t != dns.TypeOPT && t != dns.TypeTSIG {
			out = append(out, rr)
		}
	}
	return out
}

// headerText is what dig prints before the sections: the header, the
// flags and the OPT pseudosection.
func headerText(m *dns.Msg, wire *wireRead, d display) string {
	var b strings.Builder
	fmt.Fprintf(&b, ";; ->>HEADER<<- opcode: %s, status: %s, id: %d\n", opcodeName(m.Opcode), rcodeName(m), m.Id)
	counts := [4]int{len(m.Question), len(m.Answer), len(m.Ns), len(m.Extra)}
	if wire != nil {
		counts = wire.counts // as they came, not as far as they were read
	}
	fmt.Fprintf(&b, ";; flags: %s; QUERY: %d, ANSWER: %d, AUTHORITY: %d, ADDITIONAL: %d\n", flagsString(m), counts[0], counts[1], counts[2], counts[3])
	if m.Response && m.RecursionDesired && !m.RecursionAvailable {
		b.WriteString(";; WARNING: recursion requested but not available\n")
	}
	if wire != nil && wire.extra() > 0 {
		fmt.Fprintf(&b, ";; WARNING: Message has %d extra bytes at end\n", wire.extra())
	}

	b.WriteString("\n")
	if m.Response && d.ednsSent && m.IsEdns0() == nil && (m.Rcode == dns.RcodeFormatError || m.Rcode == dns.RcodeNotImplemented) {
		fmt.Fprintf(&b, ";; WARNING: EDNS query returned status %s - retry with '+noedns'\n\n", rcodeName(m))
	}
	if opt := m.IsEdns0(); opt != nil {
		// dig ends the flags with "," instead of ";" after an MBZ.
		flags := ednsFlagsText(opt)
		sep := ";"
		if strings.Contains(flags, "MBZ") {
			sep = ","
		}
		fmt.Fprintf(&b, ";; OPT PSEUDOSECTION:\n; EDNS: version: %d, flags:%s%s udp: %d\n", opt.Version(), flags, sep, opt.UDPSize())
		for _, o := range opt.Option {
			b.WriteString(ednsOptionString(o, m.Response) + "\n")
		}
	}
	return b.String()
}

// bareText is +nocomments: the question and the records the switches
// leave on, in dig's order, without headings.
func bareText(m *dns.Msg, sw sections, d display) string {
	var b strings.Builder
	if sw.question {
		for _, q := range m.Question {
			b.WriteString(questionText(q, d) + "\n")
		}
	}
	for _, sec := range []struct {
		on  bool
		rrs []dns.RR
	}{{sw.answer, m.Answer}, {sw.authority, m.Ns}, {sw.additional, m.Extra}} {
		if !sec.on {
			continue
		}
		for _, rr := range plainRecords(sec.rrs) {
			b.WriteString(rrText(rr, d) + "\n")
		}
	}
	return b.String()
}

// shortText is +short: the answers' data, one per line.
func shortText(m *dns.Msg, d display) string {
	var b strings.Builder
	d.multiline = false
	for _, rr := range m.Answer {
		b.WriteString(escapeControl(rdataText(rr, d)) + "\n")
	}
	return b.String()
}

// ednsOptionString is an EDNS option as dig prints it in the OPT
// pseudosection: extended errors by code and name, NSID and options it has
// no name for as hex bytes and their printable text.
func ednsOptionString(o dns.EDNS0, response bool) string {
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
		// server's; a query's (+qr) is bare.
		if !response {
			return "; COOKIE: " + escapeControl(e.Cookie)
		}
		if len(e.Cookie) <= 16 {
			return "; COOKIE: " + escapeControl(e.Cookie) + " (echoed)"
		}
		return "; COOKIE: " + escapeControl(e.Cookie) + " (good)"
	case *dns.EDNS0_NSID:
		raw, err := hex.DecodeString(e.Nsid)
		if len(raw) == 0 && err == nil {
			return "; NSID:"
		}
		if err != nil {
			return "; NSID: " + e.Nsid
		}
		return "; NSID: " + hexAndText(raw)
	case *dns.EDNS0_SUBNET:
		// dig: address/source/scope.
		return fmt.Sprintf("; CLIENT-SUBNET: %s/%d/%d", e.Address, e.SourceNetmask, e.SourceScope)
	case *dns.EDNS0_EXPIRE:
		if e.Empty {
			return "; EXPIRE:"
		}
		return fmt.Sprintf("; EXPIRE: %d (%s)", e.Expire, ttlWords(e.Expire))
	case *dns.EDNS0_TCP_KEEPALIVE:
		if e.Timeout == 0 {
			return "; TCP KEEPALIVE:"
		}
		return fmt.Sprintf("; TCP KEEPALIVE: %d.%d secs", e.Timeout/10, e.Timeout%10)
	case *dns.EDNS0_PADDING:
		if len(e.Padding) == 0 {
			return "; PAD:"
		}
		return fmt.Sprintf("; PAD: (%d bytes)", len(e.Padding))
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

// opcodeName is an opcode as dig names it, or its number.
func opcodeName(op int) string {
	if s, ok := dns.OpcodeToString[op]; ok {
		return s
	}
	return fmt.Sprintf("RESERVED%d", op)
}

// rcodeName is a response's status as dig names it: 16 with EDNS is
// BADVERS (RFC 6891), which miekg/dns names after TSIG's BADSIG.
func rcodeName(m *dns.Msg) string {
	if m.Rcode == dns.RcodeBadVers {
		return "BADVERS"
	}
	if s, ok := dns.RcodeToString[m.Rcode]; ok {
		return s
	}
	return fmt.Sprintf("RESERVED%d", m.Rcode)
}

// hasSection says whether sectionText shows a section of m under sw:
// dig's blank line before its stats closes a section.
func hasSection(m *dns.Msg, wire *wireRead, sw sections) bool {
	return sw.question && (len(m.Question) > 0 || wire != nil && wire.qname) || sw.answer && len(plainRecords(m.Answer)) > 0 ||
		sw.authority && len(plainRecords(m.Ns)) > 0 || sw.additional && len(plainRecords(m.Extra)) > 0 || sw.additional && m.IsTsig() != nil
}
