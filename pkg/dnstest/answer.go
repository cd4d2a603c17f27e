package dnstest

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// zoneOf is the deepest zone (an SOA's owner) holding name, and its SOA.
func (s *Server) zoneOf(name string) (string, dns.RR) {
	var zone string
	var soa dns.RR
	for _, rr := range s.rrs {
		if _, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(rr.Header().Name, name) && len(rr.Header().Name) > len(zone) {
			zone, soa = rr.Header().Name, rr
		}
	}
	return zone, soa
}

// answer is the authoritative answer: a referral below a zone cut, the
// records (a CNAME among them), a wildcard's, NODATA or NXDOMAIN with the
// SOA; REFUSED for a name in none of its zones.
func (s *Server) answer(q *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(q)
	qn, qt := q.Question[0].Name, q.Question[0].Qtype
	zone, soa := s.zoneOf(qn)
	if soa == nil {
		m.Rcode = dns.RcodeRefused
		return m
	}
	if cut := s.cut(zone, qn); len(cut) > 0 {
		m.Ns = cut
		m.Extra = s.glue(cut)
		return m
	}
	m.Authoritative = true
	m.Answer = s.records(qn, qn, qt)
	if len(m.Answer) == 0 && !s.exists(qn) {
		for name := qn; !strings.EqualFold(name, zone) && len(m.Answer) == 0; {
			_, name, _ = strings.Cut(name, ".")
			m.Answer = s.records("*."+name, qn, qt)
		}
	}
	switch {
	case len(m.Answer) > 0:
	case s.exists(qn):
		m.Ns = []dns.RR{soa}
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
	}
	return m
}

// cut is the NS set of a delegation below zone that holds name.
func (s *Server) cut(zone, name string) []dns.RR {
	var out []dns.RR
	for _, rr := range s.rrs {
		if _, ok := rr.(*dns.NS); ok && !strings.EqualFold(rr.Header().Name, zone) && dns.IsSubDomain(rr.Header().Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// glue is the addresses of the name servers of an NS set.
func (s *Server) glue(nsSet []dns.RR) []dns.RR {
	var out []dns.RR
	for _, n := range nsSet {
		for _, rr := range s.rrs {
			t := rr.Header().Rrtype
			if strings.EqualFold(rr.Header().Name, n.(*dns.NS).Ns) && (t == dns.TypeA || t == dns.TypeAAAA) {
				out = append(out, rr)
			}
		}
	}
	return out
}

// records are owner's records of type qt (or its CNAME), named as name (a
// wildcard's synthesised records take the name asked).
func (s *Server) records(owner, name string, qt uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range s.rrs {
		t := rr.Header().Rrtype
		if strings.EqualFold(rr.Header().Name, owner) && (t == qt || t == dns.TypeCNAME) {
			c := dns.Copy(rr)
			c.Header().Name = name
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) exists(name string) bool {
	for _, rr := range s.rrs {
		if strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// lame turns the answer m into a lame one. RA is set, as the open
// resolvers that many lame delegations name set it.
func (s *Server) lame(q, m *dns.Msg, how Lame) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(q)
	r.RecursionAvailable = true
	zone, soa := s.zoneOf(q.Question[0].Name)
	if soa == nil {
		zone, soa = ".", &dns.SOA{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300}, Ns: "ns.invalid.", Mbox: "h.invalid."}
	}
	ns := func(owner, target string) []dns.RR {
		return []dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: target}}
	}
	switch how {
	case Upward:
		r.Ns = ns(".", "root1.ns.lab.")
	case Sideways:
		r.Ns = ns("test.", "tld2.ns.lab.")
	case SameZone:
		r.Ns = ns(zone, "ns."+zone)
	case NoAA:
		r = m.Copy()
		r.Authoritative, r.RecursionAvailable = false, true
	case NoAANXDomain, NoAANoData:
		r.Ns = []dns.RR{soa}
		if how == NoAANXDomain {
			r.Rcode = dns.RcodeNameError
		}
	case EmptyNoError:
		r.Authoritative = true
	case WrongQuestion:
		r = m.Copy()
		r.Question[0].Name = "wrong." + r.Question[0].Name
	default:
		r.Rcode = lameRcode[how]
	}
	return r
}

// poison adds to m what a cache poisoner adds: in the answer, a record of
// another zone and one of its own zone off the question's chain; in the
// authority section, a delegation of another TLD; in the additional
// section, an address for the lab's real tld2.ns.lab.
func (s *Server) poison(m *dns.Msg) {
	zone, _ := s.zoneOf(m.Question[0].Name)
	rr := func(text string) dns.RR {
		r, _ := dns.NewRR(text)
		return r
	}
	m.Answer = append(m.Answer, rr("poisoned.test. 300 IN A 192.0.2.66"), rr("offchain."+zone+" 300 IN A 192.0.2.67"))
	m.Ns = append(m.Ns, rr("test. 300 IN NS evil.ns.lab."))
	m.Extra = append(m.Extra, rr("tld2.ns.lab. 300 IN A 192.0.2.68"))
}

// transfer answers AXFR over TCP (RFC 5936) with the zone's records, SOA
// first and last, two records a message (so that a transfer takes more
// than one); REFUSED over UDP or for a name that is no zone's apex.
func (s *Server) transfer(w dns.ResponseWriter, q *dns.Msg) {
	zone, soa := s.zoneOf(q.Question[0].Name)
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if soa == nil || !tcp || !strings.EqualFold(zone, q.Question[0].Name) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeRefused)
		_ = w.WriteMsg(m)
		return
	}
	rrs := []dns.RR{soa}
	for _, rr := range s.rrs {
		if _, isSOA := rr.(*dns.SOA); !isSOA && dns.IsSubDomain(zone, rr.Header().Name) {
			rrs = append(rrs, rr)
		}
	}
	rrs = append(rrs, soa)
	ch := make(chan *dns.Envelope)
	tr := new(dns.Transfer)
	go func() {
		for i := 0; i < len(rrs); i += 2 {
			ch <- &dns.Envelope{RR: rrs[i:min(i+2, len(rrs))]}
		}
		close(ch)
	}()
	_ = tr.Out(w, q, ch)
	w.Hijack()
}
