package resolver

import (
	"context"
	"errors"

	"github.com/miekg/dns"
)

// servFail is the answer a recursive server gives for a resolution that
// failed, as unbound gives it: SERVFAIL, RD and RA, the question, and an
// Extended DNS Error (RFC 8914) whose text is the reason.
func servFail(name string, qtype uint16, err error) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.Response, m.RecursionAvailable = true, true
	m.Rcode = dns.RcodeServerFailure
	m.SetEdns0(1232, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_EDE{InfoCode: edeCode(err), ExtraText: err.Error()})
	return m
}

// edeCode is the extended error for why a resolution failed: 23 Network
// Error when no server of a zone could even be sent to, 22 No Reachable
// Authority when none answered usably (lame, silent, no address, out of
// time), 0 Other for the resolver's own limits (a CNAME loop, the query
// budget).
func edeCode(err error) uint16 {
	var ze *ZoneError
	var be *BogusError
	switch {
	case errors.As(err, &be):
		return be.Verdict.EDE
	case errors.As(err, &ze) && ze.Lame+ze.Timeouts == 0:
		return dns.ExtendedErrorCodeNetworkError
	case errors.As(err, &ze), errors.Is(err, ErrNoServers), errors.Is(err, context.DeadlineExceeded):
		return dns.ExtendedErrorCodeNoReachableAuthority
	}
	return dns.ExtendedErrorCodeOther
}
