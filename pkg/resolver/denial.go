package resolver

import (
	"strings"

	"github.com/miekg/dns"
)

// proof is what the NSEC or NSEC3 records of an answer prove.
type proof uint8

const (
	unproven       proof = iota
	proven               // the denial holds
	provenOptOut         // only an opt-out NSEC3 covers the name: an unsigned delegation may be there (RFC 5155 6)
	nsec3TooCostly       // NSEC3 with more iterations than RFC 9276 lets a validator spend: insecure
)

// proveNoData: the name exists without qtype (nor a CNAME), by an NSEC at
// the name (RFC 4035 5.4), an NSEC proving an empty non-terminal, or an
// NSEC3 matching it (RFC 5155 8.5, 8.6); for DS also an opt-out NSEC3
// covering the next closer name (RFC 5155 8.6).
func (v *validation) proveNoData(m *dns.Msg, name string, qtype uint16) proof {
	for _, rr := range m.Ns {
		n, ok := rr.(*dns.NSEC)
		if !ok {
			continue
		}
		if strings.EqualFold(n.Hdr.Name, name) {
			if hasBit(n.TypeBitMap, qtype) || hasBit(n.TypeBitMap, dns.TypeCNAME) {
				return unproven
			}
			if qtype == dns.TypeDS || !hasBit(n.TypeBitMap, dns.TypeNS) || hasBit(n.TypeBitMap, dns.TypeSOA) {
				return proven
			}
			return unproven // a delegation's NSEC says nothing of the child's data
		}
		// An empty non-terminal: the NSEC before it leads to a name below it.
		if covers(n.Hdr.Name, n.NextDomain, name) && dns.IsSubDomain(name, n.NextDomain) {
			return proven
		}
	}
	set, p := v.nsec3Set(m)
	if p != unproven || len(set) == 0 {
		return p
	}
	if n := v.nsec3Match(set, name); n != nil {
		if hasBit(n.TypeBitMap, qtype) || hasBit(n.TypeBitMap, dns.TypeCNAME) {
			return unproven
		}
		return proven
	}
	if qtype != dns.TypeDS {
		return unproven
	}
	_, next, ok := v.closestEncloser(set, name)
	if !ok {
		return unproven
	}
	if n := v.nsec3Cover(set, next); n != nil && n.Flags&1 == 1 {
		return provenOptOut
	}
	return unproven
}

// proveNXDomain: nothing exists at the name nor at the wildcard of its
// closest encloser: by NSEC (RFC 4035 5.4) or NSEC3's closest encloser
// proof (RFC 5155 8.4).
func (v *validation) proveNXDomain(m *dns.Msg, name string) proof {
	if v.nsecCovers(m, name) {
		ce := ""
		for _, rr := range m.Ns {
			if n, ok := rr.(*dns.NSEC); ok && covers(n.Hdr.Name, n.NextDomain, name) {
				ce = deeper(commonAncestor(name, n.Hdr.Name), commonAncestor(name, n.NextDomain))
			}
		}
		if ce != "" && v.nsecCovers(m, "*."+ce) {
			return proven
		}
		return unproven
	}
	set, p := v.nsec3Set(m)
	if p != unproven || len(set) == 0 {
		return p
	}
	ce, next, ok := v.closestEncloser(set, name)
	cover := v.nsec3Cover(set, next)
	if !ok || cover == nil || v.nsec3Cover(set, "*."+ce) == nil {
		return unproven
	}
	if cover.Flags&1 == 1 {
		// An opt-out span may hold an unsigned delegation this proof
		// could be replayed against: insecure, as unbound judges it.
		return provenOptOut
	}
	return proven
}

// nsecCovers: an NSEC of m lies across name, so name does not exist.
func (v *validation) nsecCovers(m *dns.Msg, name string) bool {
	for _, rr := range m.Ns {
		if n, ok := rr.(*dns.NSEC); ok && covers(n.Hdr.Name, n.NextDomain, name) {
			return true
		}
	}
	return false
}

// nsec3Covered: an NSEC3 of m covers name's hash.
func (v *validation) nsec3Covered(m *dns.Msg, name string) bool {
	set, p := v.nsec3Set(m)
	return p == unproven && v.nsec3Cover(set, name) != nil
}

// nsec3Set are m's NSEC3 records with the parameters of the first one;
// nsec3TooCostly when those ask for more than 150 iterations or an
// unknown hash.
func (v *validation) nsec3Set(m *dns.Msg) ([]*dns.NSEC3, proof) {
	var out []*dns.NSEC3
	for _, rr := range m.Ns {
		n, ok := rr.(*dns.NSEC3)
		if !ok {
			continue
		}
		if n.Iterations > maxNSEC3Iterations || n.Hash != dns.SHA1 {
			return nil, nsec3TooCostly
		}
		if len(out) > 0 && (n.Iterations != out[0].Iterations || n.Salt != out[0].Salt) {
			continue
		}
		if len(out) < maxNSEC3PerMsg {
			out = append(out, n)
		}
	}
	return out, unproven
}

// hash is name's NSEC3 hash under n's parameters, counted against the
// resolution's budget; "" once the budget is spent.
func (v *validation) hash(n *dns.NSEC3, name string) string {
	cost := int(n.Iterations) + 1
	if v.hashWork+cost > maxHashWork {
		return ""
	}
	v.hashWork += cost
	return dns.HashName(name, n.Hash, n.Iterations, n.Salt)
}

// nsec3Zone is the zone of an NSEC3 record: its owner less the hash.
func nsec3Zone(n *dns.NSEC3) string { return parentName(n.Hdr.Name) }

func nsec3Owner(n *dns.NSEC3) string {
	h, _, _ := strings.Cut(n.Hdr.Name, ".")
	return strings.ToUpper(h)
}

// nsec3Hash is name's hash under the set's zone and parameters, "" where
// the set is empty, of another zone, or the hash is refused (over budget,
// the hash budget spent).
func (v *validation) nsec3Hash(set []*dns.NSEC3, name string) string {
	if len(set) == 0 || !dns.IsSubDomain(nsec3Zone(set[0]), name) {
		return ""
	}
	return v.hash(set[0], name)
}

// nsec3Match is the NSEC3 whose owner is name's hash.
func (v *validation) nsec3Match(set []*dns.NSEC3, name string) *dns.NSEC3 {
	h := v.nsec3Hash(set, name)
	if h == "" {
		return nil
	}
	for _, n := range set {
		if nsec3Owner(n) == h {
			return n
		}
	}
	return nil
}

// nsec3Cover is the NSEC3 that lies across name's hash.
func (v *validation) nsec3Cover(set []*dns.NSEC3, name string) *dns.NSEC3 {
	h := v.nsec3Hash(set, name)
	if h == "" {
		return nil
	}
	for _, n := range set {
		o, next := nsec3Owner(n), strings.ToUpper(n.NextDomain)
		if (o < h && h < next) || (next <= o && (h > o || h < next)) {
			return n
		}
	}
	return nil
}

// closestEncloser finds the closest encloser of name that an NSEC3
// matches, and the next closer name below it (RFC 5155 8.3).
func (v *validation) closestEncloser(set []*dns.NSEC3, name string) (ce, next string, ok bool) {
	zone := nsec3Zone(set[0])
	next = name
	for c := name; dns.IsSubDomain(zone, c); {
		if v.nsec3Match(set, c) != nil {
			return c, next, c != name
		}
		if c == "." {
			break
		}
		next, c = c, parentName(c)
	}
	return "", "", false
}

// hasBit: t is in an NSEC or NSEC3 type bitmap.
func hasBit(types []uint16, t uint16) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// covers: name lies strictly between owner and next in canonical order
// (RFC 4034 6.1), the last NSEC of a zone wrapping round to its apex.
func covers(owner, next, name string) bool {
	if canonicalCompare(next, owner) <= 0 { // the last NSEC
		return canonicalCompare(owner, name) < 0 && dns.IsSubDomain(next, name)
	}
	return canonicalCompare(owner, name) < 0 && canonicalCompare(name, next) < 0
}

// canonicalCompare orders names as RFC 4034 6.1 does: label by label
// from the right, each compared as lowercase bytes.
func canonicalCompare(a, b string) int {
	la, lb := dns.SplitDomainName(strings.ToLower(a)), dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 || j >= 0; i, j = i-1, j-1 {
		switch {
		case i < 0:
			return -1
		case j < 0:
			return 1
		}
		if c := strings.Compare(unescapeLabel(la[i]), unescapeLabel(lb[j])); c != 0 {
			return c
		}
	}
	return 0
}

// unescapeLabel turns a presentation label's \DDD and \X escapes into its
// bytes.
func unescapeLabel(l string) string {
	if !strings.Contains(l, `\`) {
		return l
	}
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' && i+3 < len(l) && isDigit(l[i+1]) && isDigit(l[i+2]) && isDigit(l[i+3]) {
			b.WriteByte((l[i+1]-'0')*100 + (l[i+2]-'0')*10 + (l[i+3] - '0'))
			i += 3
			continue
		}
		if l[i] == '\\' && i+1 < len(l) {
			i++
		}
		b.WriteByte(l[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// commonAncestor is the longest name both a and b are at or below.
func commonAncestor(a, b string) string {
	n := dns.CompareDomainName(a, b)
	if n == 0 {
		return "."
	}
	return lastLabels(dns.Fqdn(a), n)
}

// deeper is the one of two ancestors of a name with more labels.
func deeper(a, b string) string {
	if dns.CountLabel(a) >= dns.CountLabel(b) {
		return a
	}
	return b
}
