package gdig

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"gnetutils/pkg/cli"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// rdataParts is a record's data as dig lays it out: the fields before the
// long one (head), the long one as hex or base64 (blob, split into chunks
// of +split characters, and of 44 on their own lines with +multiline),
// and what dig writes after it. dig's layouts differ from miekg/dns's
// String in the places this file handles: blobs split, hex upper case,
// LOC's numbers, SVCB's quoting, RFC 3597's form for NULL.
type rdataParts struct {
	head    string
	blob    string
	paren   bool   // +multiline opens its "(" before the head (IPSECKEY, DHCID, ...)
	midLine string // +multiline: a line of its own between head and blob (RRSIG's times)
	comment string // +rrcomments
	keyRR   bool   // DNSKEY's layout of the comment: on the ")" line
	tail    string // fields after the blob (HIP's servers)
	hip     bool   // HIP: the blob unsplit, on a line of its own
}

// rdataFormat is, per type, how dig splits a record's data; types not
// here print as miekg/dns prints them, which is dig's text for them.
var rdataFormat = map[uint16]func(rr dns.RR, d display) rdataParts{
	dns.TypeDS:  func(rr dns.RR, d display) rdataParts { return dsParts(rr.(*dns.DS), d) },
	dns.TypeCDS: func(rr dns.RR, d display) rdataParts { return dsParts(&rr.(*dns.CDS).DS, d) },
	dns.TypeDLV: func(rr dns.RR, d display) rdataParts { return dsParts(&rr.(*dns.DLV).DS, d) },
	dns.TypeTA: func(rr dns.RR, d display) rdataParts {
		t := rr.(*dns.TA)
		return dsParts(&dns.DS{KeyTag: t.KeyTag, Algorithm: t.Algorithm, DigestType: t.DigestType, Digest: t.Digest}, d)
	},
	dns.TypeDNSKEY:   func(rr dns.RR, d display) rdataParts { return keyParts(rr.(*dns.DNSKEY), d, true) },
	dns.TypeCDNSKEY:  func(rr dns.RR, d display) rdataParts { return keyParts(&rr.(*dns.CDNSKEY).DNSKEY, d, true) },
	dns.TypeKEY:      func(rr dns.RR, d display) rdataParts { return keyParts(&rr.(*dns.KEY).DNSKEY, d, false) },
	dns.TypeRRSIG:    func(rr dns.RR, d display) rdataParts { return sigParts(rr.(*dns.RRSIG), d) },
	dns.TypeSIG:      func(rr dns.RR, _ display) rdataParts { return oldSigParts(&rr.(*dns.SIG).RRSIG) },
	dns.TypeSSHFP:    sshfpParts,
	dns.TypeTLSA:     func(rr dns.RR, d display) rdataParts { return tlsaParts(rr.(*dns.TLSA)) },
	dns.TypeSMIMEA:   smimeaParts,
	dns.TypeZONEMD:   zonemdParts,
	dns.TypeCERT:     certParts,
	dns.TypeIPSECKEY: ipseckeyParts,
	dns.TypeOPENPGPKEY: func(rr dns.RR, d display) rdataParts {
		return omitted(rdataParts{blob: rr.(*dns.OPENPGPKEY).PublicKey, paren: true}, d)
	},
	dns.TypeDHCID: dhcidParts,
	dns.TypeHIP:   hipParts,
	dns.TypeEID: func(rr dns.RR, _ display) rdataParts {
		return rdataParts{blob: strings.ToUpper(rr.(*dns.EID).Endpoint), paren: true}
	},
	dns.TypeNIMLOC: func(rr dns.RR, _ display) rdataParts {
		return rdataParts{blob: strings.ToUpper(rr.(*dns.NIMLOC).Locator), paren: true}
	},
}

// genericTypes are the types dig names but prints in RFC 3597's form,
// as BIND has no text format for their data.
var genericTypes = map[uint16]bool{dns.TypeNULL: true, dns.TypeUINFO: true, dns.TypeUID: true, dns.TypeGID: true, dns.TypeUNSPEC: true}

// hipParts is HIP (RFC 8005): the HIT in upper-case hex, the key, and the
// rendezvous servers on a line of their own with +multiline.
func hipParts(rr dns.RR, _ display) rdataParts {
	h := rr.(*dns.HIP)
	p := rdataParts{head: fmt.Sprintf("%d %s", h.PublicKeyAlgorithm, strings.ToUpper(h.Hit)), blob: h.PublicKey, paren: true, hip: true}
	p.tail = strings.Join(h.RendezvousServers, " ")
	return p
}

func dsParts(ds *dns.DS, d display) rdataParts {
	p := rdataParts{head: fmt.Sprintf("%d %d %d", ds.KeyTag, ds.Algorithm, ds.DigestType), blob: strings.ToUpper(ds.Digest)}
	if d.noCrypto {
		p.blob = "[omitted]"
	}
	return p
}

// keyParts is DNSKEY, CDNSKEY (dnskey) and KEY: dig names the key's role
// and tag in the comment.
func keyParts(k *dns.DNSKEY, d display, dnskey bool) rdataParts {
	p := rdataParts{head: fmt.Sprintf("%d %d %d", k.Flags, k.Protocol, k.Algorithm), blob: k.PublicKey, keyRR: true}
	role := ";" // KEY: dig's "); alg = ..."
	if dnskey {
		role = " ; ZSK;"
		if k.Flags&dns.SEP != 0 {
			role = " ; KSK;"
		}
	}
	tag := k.KeyTag()
	p.comment = fmt.Sprintf("%s alg = %s ; key id = %d", role, dns.AlgorithmToString[k.Algorithm], tag)
	if d.noCrypto {
		p.blob = fmt.Sprintf("[key id = %d]", tag)
	}
	return p
}

func sigParts(s *dns.RRSIG, d display) rdataParts {
	p := rdataParts{head: fmt.Sprintf("%s %d %d %d", typeName(s.TypeCovered), s.Algorithm, s.Labels, s.OrigTtl),
		midLine: fmt.Sprintf("%s %s %d %s", dns.TimeToString(s.Expiration), dns.TimeToString(s.Inception), s.KeyTag, s.SignerName),
		blob:    s.Signature}
	if d.noCrypto {
		p.blob = "[omitted]"
	}
	return p
}

// oldSigParts is SIG (RFC 2535) as BIND lays it out, unlike RRSIG: the
// expiration on the first line, the signature shown with +nocrypto too.
func oldSigParts(s *dns.RRSIG) rdataParts {
	return rdataParts{head: fmt.Sprintf("%s %d %d %d %s", typeName(s.TypeCovered), s.Algorithm, s.Labels, s.OrigTtl, dns.TimeToString(s.Expiration)),
		midLine: fmt.Sprintf("%s %d %s", dns.TimeToString(s.Inception), s.KeyTag, s.SignerName),
		blob:    s.Signature}
}

func sshfpParts(rr dns.RR, _ display) rdataParts {
	s := rr.(*dns.SSHFP)
	return rdataParts{head: fmt.Sprintf("%d %d", s.Algorithm, s.Type), blob: strings.ToUpper(s.FingerPrint)}
}

func tlsaParts(t *dns.TLSA) rdataParts {
	return rdataParts{head: fmt.Sprintf("%d %d %d", t.Usage, t.Selector, t.MatchingType), blob: strings.ToUpper(t.Certificate)}
}

func smimeaParts(rr dns.RR, _ display) rdataParts {
	s := rr.(*dns.SMIMEA)
	return tlsaParts(&dns.TLSA{Usage: s.Usage, Selector: s.Selector, MatchingType: s.MatchingType, Certificate: s.Certificate})
}

func zonemdParts(rr dns.RR, d display) rdataParts {
	z := rr.(*dns.ZONEMD)
	return omitted(rdataParts{head: fmt.Sprintf("%d %d %d", z.Serial, z.Scheme, z.Hash), blob: strings.ToUpper(z.Digest)}, d)
}

func certParts(rr dns.RR, _ display) rdataParts {
	c := rr.(*dns.CERT)
	f := strings.Fields(rr.String())
	// miekg/dns names the certificate type as dig does (PGP, PKIX, ...).
	return rdataParts{head: fmt.Sprintf("%s %d %d", f[4], c.KeyTag, c.Algorithm), blob: c.Certificate}
}

func ipseckeyParts(rr dns.RR, _ display) rdataParts {
	k := rr.(*dns.IPSECKEY)
	f := strings.Fields(rr.String())
	return rdataParts{head: strings.Join(f[4:8], " "), blob: k.PublicKey, paren: true}
}

func dhcidParts(rr dns.RR, _ display) rdataParts {
	h := rr.(*dns.DHCID)
	p := rdataParts{blob: h.Digest, paren: true}
	if raw, err := base64.StdEncoding.DecodeString(h.Digest); err == nil && len(raw) >= 3 {
		p.comment = fmt.Sprintf(" ; %d %d %d", uint16(raw[0])<<8|uint16(raw[1]), raw[2], len(raw)-3)
	}
	return p
}

// omitted is p with its blob replaced as +nocrypto does.
func omitted(p rdataParts, d display) rdataParts {
	if d.noCrypto {
		p.blob, p.paren = "[omitted]", false
	}
	return p
}

// chunks splits s into pieces of n characters (all of s when n is 0).
func chunks(s string, n int) []string {
	if n <= 0 || len(s) <= n {
		return []string{s}
	}
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// oneLine is p on one line, as dig prints without +multiline.
func (p rdataParts) oneLine(d display) string {
	s := strings.TrimSpace(strings.Join([]string{p.head, p.midLine}, " "))
	if p.blob != "" {
		split := d.split
		if p.hip {
			split = 0
		}
		s = strings.TrimSpace(s + " " + strings.Join(chunks(p.blob, split), " "))
	}
	if p.tail != "" {
		s += " " + p.tail
	}
	if d.rrComments && p.keyRR {
		s += " " + p.comment
	}
	return s
}

// multiLine is p as +multiline lays it out, its continuation lines
// indented by four tabs.
func (p rdataParts) multiLine(d display) string {
	const nl = "\n\t\t\t\t"
	lines := chunks(p.blob, 44)
	if p.hip {
		lines = []string{p.blob, p.tail}
	}
	var b strings.Builder
	if p.paren {
		b.WriteString("( ")
		if p.head != "" {
			b.WriteString(p.head + nl)
		}
		b.WriteString(strings.Join(lines, nl) + " )")
	} else {
		b.WriteString(p.head + " (" + nl)
		if p.midLine != "" {
			b.WriteString(p.midLine + nl)
		}
		b.WriteString(strings.Join(lines, nl))
		if p.keyRR && d.rrComments {
			// dig closes a key on a line of its own, its comment after.
			b.WriteString(nl + ")")
		} else {
			b.WriteString(" )")
		}
	}
	// DHCID's comment (its identifier and digest types) is always there.
	if d.rrComments || !p.keyRR {
		b.WriteString(p.comment)
	}
	return b.String()
}

// digOnlyTypes are mnemonics dig knows and miekg/dns does not.
var digOnlyTypes = map[string]uint16{"WKS": 11, "NSAP": 22, "NSAP-PTR": 23, "ATMA": 34, "A6": 38, "SINK": 40, "DOA": 259, "RESINFO": 261, "WALLET": 262}

// typeName is a type's mnemonic, or RFC 3597's TYPEnnn.
func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	for name, n := range digOnlyTypes {
		if n == t {
			return name
		}
	}
	return fmt.Sprintf("TYPE%d", t)
}

// className is a class's mnemonic, or RFC 3597's CLASSnnn.
func className(c uint16) string {
	if s, ok := dns.ClassToString[c]; ok {
		return s
	}
	return fmt.Sprintf("CLASS%d", c)
}

// rawRdata is rr's data as sent, for RFC 3597's \# form.
func rawRdata(rr dns.RR) []byte {
	buf := make([]byte, dns.Len(rr)+256)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil
	}
	n := int(rr.Header().Rdlength)
	return buf[off-n : off]
}

// genericParts is RFC 3597's "\# len hex" for rr, as dig prints unknown
// types, NULL, and every type with +unknownformat.
func genericParts(rr dns.RR) rdataParts {
	raw := rawRdata(rr)
	if u, ok := rr.(*dns.RFC3597); ok {
		raw, _ = hex.DecodeString(u.Rdata)
	}
	p := rdataParts{head: fmt.Sprintf("\\# %d", len(raw)), blob: strings.ToUpper(hex.EncodeToString(raw)), paren: true}
	if len(raw) == 0 {
		p.blob, p.paren = "", false
	}
	return p
}

// rdataText is rr's data as dig prints it with d, and whether it spans
// lines.
func rdataText(rr dns.RR, d display) string {
	t := rr.Header().Rrtype
	var p rdataParts
	f, ok := rdataFormat[t]
	switch {
	case d.unknown, genericTypes[t]:
		p = genericParts(rr)
	case isGeneric(rr):
		var known bool
		if p, known = decodedGeneric(rr); !known {
			p = genericParts(rr)
		}
	case ok:
		p = f(rr, d)
	default:
		return simpleRdata(rr, d)
	}
	if d.multiline && p.blob != "" {
		if p.paren && strings.HasPrefix(p.head, "\\#") {
			return p.head + " ( " + strings.Join(chunks(p.blob, 44), "\n\t\t\t\t") + " )"
		}
		return p.multiLine(d)
	}
	return p.oneLine(d)
}

func isGeneric(rr dns.RR) bool {
	_, ok := rr.(*dns.RFC3597)
	return ok
}

// simpleRdata is the data of a type dig prints in one line, mostly as
// miekg/dns does.
func simpleRdata(rr dns.RR, d display) string {
	switch r := rr.(type) {
	case *dns.LOC:
		return locText(r)
	case *dns.TSIG:
		return tsigText(r)
	case *dns.X25:
		return `"` + quoteText(r.PSDNAddress) + `"`
	case *dns.GPOS:
		return fmt.Sprintf("%q %q %q", r.Longitude, r.Latitude, r.Altitude)
	case *dns.NID:
		return fmt.Sprintf("%d %s", r.Preference, groups64(r.NodeID))
	case *dns.L64:
		return fmt.Sprintf("%d %s", r.Preference, groups64(r.Locator64))
	case *dns.SVCB:
		return svcbText(r.Priority, r.Target, r.Value)
	case *dns.HTTPS:
		return svcbText(r.Priority, r.Target, r.Value)
	case *dns.AAAA:
		if d.expandAAAA {
			return expandAAAA(r)
		}
		if a, ok := netip.AddrFromSlice(r.AAAA); ok {
			return cli.Ntop(a)
		}
	case *dns.SOA:
		if d.multiline {
			return soaMultiline(r)
		}
	}
	f := strings.SplitN(rr.String(), "\t", 5)
	if len(f) < 5 {
		return ""
	}
	return f[4]
}

// groups64 is a 64-bit locator as dig writes it: four hex groups without
// leading zeros.
func groups64(v uint64) string {
	return fmt.Sprintf("%x:%x:%x:%x", v>>48, v>>32&0xffff, v>>16&0xffff, v&0xffff)
}

func expandAAAA(r *dns.AAAA) string {
	a, ok := netip.AddrFromSlice(r.AAAA)
	if !ok {
		return r.AAAA.String()
	}
	return a.StringExpanded()
}

// locText is LOC (RFC 1876) as dig writes it: degrees and minutes
// without leading zeros, the altitude with two decimals, and the sizes in
// whole metres from 1 m up.
func locText(r *dns.LOC) string {
	return fmt.Sprintf("%s %s %s %s %s %s", angle(r.Latitude, "N", "S"), angle(r.Longitude, "E", "W"),
		altitude(r.Altitude), locSize(r.Size), locSize(r.HorizPre), locSize(r.VertPre))
}

func angle(v uint32, pos, neg string) string {
	ms := int64(v) - 1<<31
	h := pos
	if ms < 0 {
		ms, h = -ms, neg
	}
	return fmt.Sprintf("%d %d %d.%03d %s", ms/3600000, ms%3600000/60000, ms%60000/1000, ms%1000, h)
}

func altitude(v uint32) string {
	cm := int64(v) - 10000000
	sign := ""
	if cm < 0 {
		sign, cm = "-", -cm
	}
	return fmt.Sprintf("%s%d.%02dm", sign, cm/100, cm%100)
}

// locSize is a size or precision, a mantissa and a power of ten of
// centimetres in one byte.
func locSize(b uint8) string {
	m, e := uint64(b>>4), int(b&0x0f)
	if e >= 2 {
		for i := 2; i < e; i++ {
			m *= 10
		}
		return fmt.Sprintf("%dm", m)
	}
	if e == 1 {
		m *= 10
	}
	return fmt.Sprintf("0.%02dm", m)
}

// svcbText is SVCB and HTTPS (RFC 9460) as dig writes them: alpn and
// the keyNNNNN values quoted, the rest bare.
func svcbText(prio uint16, target string, kvs []dns.SVCBKeyValue) string {
	parts := []string{fmt.Sprint(prio), target}
	for _, kv := range kvs {
		key := kv.Key().String()
		switch v := kv.(type) {
		case *dns.SVCBNoDefaultAlpn:
			parts = append(parts, key)
		case *dns.SVCBAlpn:
			parts = append(parts, key+`="`+quoteText(strings.Join(v.Alpn, ","))+`"`)
		case *dns.SVCBLocal:
			parts = append(parts, key+`="`+quoteText(string(v.Data))+`"`)
		case *dns.SVCBDoHPath:
			parts = append(parts, key+`="`+quoteText(v.Template)+`"`)
		default:
			parts = append(parts, key+"="+kv.String())
		}
	}
	return strings.Join(parts, " ")
}

// quoteText escapes a character string for dig's quotes: " and \ with a
// backslash, what does not print as \DDD.
func quoteText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// soaMultiline is SOA as dig +multiline writes it, each number on its
// own line with its name and, for the times, their length in words.
func soaMultiline(r *dns.SOA) string {
	const nl = "\n\t\t\t\t"
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (", r.Ns, r.Mbox)
	for _, f := range []struct {
		n    uint32
		name string
		time bool
	}{{r.Serial, "serial", false}, {r.Refresh, "refresh", true}, {r.Retry, "retry", true}, {r.Expire, "expire", true}, {r.Minttl, "minimum", true}} {
		c := fmt.Sprintf("; %s", f.name)
		if f.time {
			c += " (" + ttlWords(f.n) + ")"
		}
		fmt.Fprintf(&b, "%s%-10d %s", nl, f.n, c)
	}
	b.WriteString(nl + ")")
	return b.String()
}

// timeUnits are BIND's units for a time, largest first.
var timeUnits = []struct {
	secs        uint32
	word, short string
}{{604800, "week", "w"}, {86400, "day", "d"}, {3600, "hour", "h"}, {60, "minute", "m"}, {1, "second", "s"}}

// ttlWords is a time as dig's SOA comments give it: "1 hour", "2 days 6 hours".
func ttlWords(n uint32) string {
	var out []string
	for _, u := range timeUnits {
		if k := n / u.secs; k > 0 {
			w := fmt.Sprintf("%d %s", k, u.word)
			if k > 1 {
				w += "s"
			}
			out = append(out, w)
			n -= k * u.secs
		}
	}
	if len(out) == 0 {
		return "0 seconds"
	}
	return strings.Join(out, " ")
}

// ttlUnits is +ttlunits' TTL: 1h, 1w2d, 0.
func ttlUnits(n uint32) string {
	s := ""
	for _, u := range timeUnits {
		if k := n / u.secs; k > 0 {
			s += fmt.Sprintf("%d%s", k, u.short)
			n -= k * u.secs
		}
	}
	if s == "" {
		return "0"
	}
	return s
}

// tsigText is TSIG (RFC 8945) as dig's pseudosection shows it: the time
// signed as a number, the MAC and other data in base64, the error by
// name, a space after the (usually empty) other data.
func tsigText(r *dns.TSIG) string {
	mac, _ := hex.DecodeString(r.MAC)
	other, _ := hex.DecodeString(r.OtherData)
	rcode, ok := dns.RcodeToString[int(r.Error)]
	if !ok {
		rcode = fmt.Sprint(r.Error)
	}
	return fmt.Sprintf("%s %d %d %d %s %d %s %d %s", r.Algorithm, r.TimeSigned, r.Fudge, r.MACSize,
		base64.StdEncoding.EncodeToString(mac), r.OrigId, rcode, r.OtherLen, base64.StdEncoding.EncodeToString(other))
}
