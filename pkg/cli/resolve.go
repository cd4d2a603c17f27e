package cli

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// Family restricts name resolution to one address family.
type Family int

// Families: any (IPv4 first, as the classic tools prefer), IPv4 only, IPv6 only.
const (
	AnyFamily Family = iota
	IPv4Only
	IPv6Only
)

// resolver is the system resolver; tests replace it with one that asks an
// in-process server, so no test ever sends a query off the machine.
var resolver = net.DefaultResolver

// ResolveTimeout bounds a name lookup, so an unreachable resolver is a clear
// error, not a hang.
const ResolveTimeout = 5 * time.Second

// ErrUnknownHost is wrapped by Resolve's error for names that do not resolve;
// its message is the one iputils prints.
//
//lint:ignore ST1005 the classic tools' exact words
var ErrUnknownHost = errors.New("Name or service not known")

//lint:ignore ST1005 the classic tools' exact words
var errTemporary = errors.New("Temporary failure in name resolution")

// errFamily is glibc's EAI_ADDRFAMILY: the name has addresses, none of the
// family asked for (localhost with -6 where /etc/hosts names only
// 127.0.0.1).
//
//lint:ignore ST1005 the classic tools' exact words
var errFamily = errors.New("Address family for hostname not supported")

// Resolve turns a host argument into one address: an address literal as is
// (checked against the family), a name through the system resolver, IPv4
// preferred unless the family says otherwise. The error reads
// "<host>: Name or service not known" like the classic tools'.
func Resolve(ctx context.Context, host string, family Family) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if (family == IPv4Only && !a.Is4()) || (family == IPv6Only && !a.Is6()) {
			return netip.Addr{}, &hostError{host, errFamily}
		}
		return a, nil
	}
	addrs, err := ResolveAll(ctx, host, family)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if a.Is4() {
			return a, nil
		}
	}
	return addrs[0], nil
}

// ResolveAll is every address of the name host of the family, through
// the system resolver, in its order (IPv4-mapped ones as IPv4), for a
// tool that tries them in turn (dig's @server); the errors are Resolve's.
func ResolveAll(ctx context.Context, host string, family Family) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	network := "ip"
	switch family {
	case IPv4Only:
		network = "ip4"
	case IPv6Only:
		network = "ip6"
	}
	addrs, err := resolver.LookupNetIP(ctx, network, host)
	if err != nil || len(addrs) == 0 {
		var dnsErr *net.DNSError
		var addrErr *net.AddrError
		switch {
		case err == nil || (errors.As(err, &dnsErr) && dnsErr.IsNotFound):
			return nil, &hostError{host, ErrUnknownHost}
		case errors.As(err, &addrErr) && family != AnyFamily:
			// Go's "no suitable address": the hosts file named the host
			// with addresses of the other family only.
			return nil, &hostError{host, errFamily}
		}
		// Anything else (no server answering, a timeout, SERVFAIL) is what
		// glibc calls EAI_AGAIN.
		return nil, &hostError{host, errTemporary}
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

type hostError struct {
	host string
	err  error
}

func (e *hostError) Error() string { return e.host + ": " + e.err.Error() }
func (e *hostError) Unwrap() error { return e.err }

// Ntop is an address as the classic tools write it (glibc's inet_ntop,
// which ping, traceroute, tracepath and dig's AAAA all print with): as
// netip writes it, but for an IPv4-compatible IPv6 address (the first 96
// bits zero, the next 16 not), which ends with its IPv4 address in dotted
// form: ::198.18.2.1 where netip writes ::c612:201 (but ::2 as netip).
func Ntop(a netip.Addr) string {
	b := a.As16()
	if !a.Is6() || a.Is4In6() || [12]byte(b[:12]) != [12]byte{} || b[12]|b[13] == 0 {
		return a.String()
	}
	return "::" + netip.AddrFrom4([4]byte(b[12:])).String()
}
