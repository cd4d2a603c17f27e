package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// lameness says why a response from a server of zone to qname is lame, or
// "" when it is usable. A server is asked because a delegation names it
// for zone, so it must answer as that zone's authority: with AA, or with a
// referral further down towards qname. Anything else is a server that
// does not serve the zone (or serves it badly), as unbound and BIND judge
// it; its answer is neither believed nor cached, and the zone's next
// server is asked.
func lameness(zone, qname string, m *dns.Msg) string {
	if m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
		// REFUSED, SERVFAIL, NOTIMP, NOTAUTH, and FORMERR once exchange
		// has retried without EDNS.
		return dns.RcodeToString[m.Rcode]
	}
	if m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0 && isReferral(m) {
		child := referralZone(m)
		switch {
		case strings.EqualFold(child, zone):
			return "referral to its own zone " + child
		case !dns.IsSubDomain(zone, child):
			return "upward or sideways referral to " + child
		case !dns.IsSubDomain(child, qname):
			return "referral to " + child + ", which does not hold " + qname
		}
		return ""
	}
	if !m.Authoritative {
		switch {
		case m.Rcode == dns.RcodeNameError:
			return "NXDOMAIN without AA"
		case len(m.Answer) == 0:
			return "NODATA without AA"
		}
		return "answer without AA"
	}
	if m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0 && !hasSOA(m.Ns) {
		return "empty NOERROR without SOA"
	}
	return ""
}

// usable scrubs a response and says why it is lame, or "" when it is
// usable: lame as received, or once scrubbed of what was outside the
// server's say (an answer of nothing but other zones' records).
func usable(zone, qname string, qtype uint16, m *dns.Msg) string {
	if why := lameness(zone, qname, m); why != "" {
		return why
	}
	scrub(zone, qname, qtype, m)
	if why := lameness(zone, qname, m); why != "" {
		return "once scrubbed of records outside " + zone + ": " + why
	}
	return ""
}

// referralZone is the zone a referral delegates to: the owner of its first
// NS record.
func referralZone(m *dns.Msg) string {
	for _, rr := range m.Ns {
		if ns, ok := rr.(*dns.NS); ok {
			return dns.Fqdn(ns.Hdr.Name)
		}
	}
	return ""
}

func hasSOA(rrs []dns.RR) bool {
	for _, rr := range rrs {
		if _, ok := rr.(*dns.SOA); ok {
			return true
		}
	}
	return false
}

// errLame is a lame answer: the server is lame for the zone.
var errLame = errors.New("lame server")

// lameError says which server was lame for which zone, and how.
func lameError(s server, zone, why string) error {
	return fmt.Errorf("%w: %s for %s: %s", errLame, s.addr, zone, why)
}

// ZoneError is the failure of every server of a zone: the lookup cannot
// go on below it. It unwraps to ErrServFail.
type ZoneError struct {
	Zone        string
	Lame        int   // servers that answered lame
	Timeouts    int   // servers that never answered
	Unreachable int   // addresses this host has no route to
	Last        error // the last server's failure
}

func (e *ZoneError) Error() string {
	return fmt.Sprintf("all servers of %s failed (%d lame, %d not answering, %d unreachable): %v", e.Zone, e.Lame, e.Timeouts, e.Unreachable, e.Last)
}

func (e *ZoneError) Unwrap() error { return ErrServFail }

// outOfTime is the zone's failure when the lookup's time ran out (err,
// the context's) while its servers were asked: the error counts the ones
// that only timed out. A cancelled lookup, or one that asked no server,
// ends with err itself.
func (e *ZoneError) outOfTime(err error, sent sendCounts, done map[netip.AddrPort]bool) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, c := range sent {
		if !done[c.addr] {
			e.Timeouts++
		}
	}
	if e.Timeouts == 0 && e.Last == nil {
		return err
	}
	e.Last = fmt.Errorf("out of time: %w", err)
	return e
}

// count adds one server's failure.
func (e *ZoneError) count(err error) {
	switch {
	case errors.Is(err, errLame):
		e.Lame++
	case errors.Is(err, errUnreachable):
		e.Unreachable++
	default:
		e.Timeouts++
	}
	e.Last = err
}
