package resolver

import (
	"strings"

	"github.com/miekg/dns"
)

// scrub drops from a usable response of a zone's server what the server
// has no say over, as unbound's scrubber does, before anything is
// followed, cached or shown: from the answer, every record that does not
// answer qname/qtype or belong to its CNAME/DNAME chain, and every record
// outside the zone; from the authority and additional sections, every
// record outside the zone. A server can then vouch only for its own zone:
// a record it slips in for another name cannot poison the cache.
func scrub(zone, qname string, qtype uint16, m *dns.Msg) {
	chain := chainNames(qname, m.Answer)
	inZone := func(rr dns.RR) bool { return dns.IsSubDomain(zone, rr.Header().Name) }
	m.Answer = keep(m.Answer, func(rr dns.RR) bool {
		return inZone(rr) && inChain(rr, chain, qtype)
	})
	m.Ns = keep(m.Ns, inZone)
	m.Extra = keep(m.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT || inZone(rr) })
}

// chainNames are qname and the names its CNAMEs and DNAMEs in rrs lead
// to, lower case, in whatever order the records come.
func chainNames(qname string, rrs []dns.RR) map[string]bool {
	names := map[string]bool{strings.ToLower(qname): true}
	for grown := true; grown && len(names) <= len(rrs); {
		grown = false
		for _, rr := range rrs {
			for n := range names {
				if t := strings.ToLower(rewrite(rr, n)); t != "" && !names[t] {
					names[t], grown = true, true
				}
			}
		}
	}
	return names
}

// rewrite is where rr sends name: a CNAME's target, a DNAME's rewriting
// of the suffix (RFC 6672); "" when it does not apply to name.
func rewrite(rr dns.RR, name string) string {
	switch r := rr.(type) {
	case *dns.CNAME:
		if strings.EqualFold(r.Hdr.Name, name) {
			return r.Target
		}
	case *dns.DNAME:
		if dns.IsSubDomain(r.Hdr.Name, name) && !strings.EqualFold(r.Hdr.Name, name) {
			return dns.Fqdn(name[:len(name)-len(r.Hdr.Name)] + r.Target)
		}
	}
	return ""
}

// inChain: rr is a record of the chain, of the type asked (or ANY), a
// CNAME or a DNAME that sends a name of the chain on, or a signature.
func inChain(rr dns.RR, chain map[string]bool, qtype uint16) bool {
	if _, ok := rr.(*dns.DNAME); ok {
		for n := range chain {
			if rewrite(rr, n) != "" {
				return true
			}
		}
		return false
	}
	t := rr.Header().Rrtype
	return chain[strings.ToLower(rr.Header().Name)] && (t == qtype || qtype == dns.TypeANY || t == dns.TypeCNAME || t == dns.TypeRRSIG)
}

// keep is the records of rrs that ok accepts.
func keep(rrs []dns.RR, ok func(dns.RR) bool) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if ok(rr) {
			out = append(out, rr)
		}
	}
	return out
}
