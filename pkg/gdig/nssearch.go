package gdig

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// nsFinder finds a zone's name servers and their addresses: by asking
// the @server, as dig does (dig looks the addresses up through the
// system's resolver, which is the @server in the lab), or by resolving
// from the root.
type nsFinder struct {
	// ns asks for name's NS records, saying what dig says of failed
	// tries; nil and the lookup's status when no answer came.
	ns func(name string) (*dns.Msg, int)
	// addrs asks for a server name's records of qtype (A, AAAA),
	// quietly; nil when no answer came.
	addrs func(name string, qtype uint16) *dns.Msg
}

// nssearchRun makes a lookup +nssearch: of the @server's answers, or of
// answers found from the root.
func (o *options) nssearchRun(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	if o.server == "" {
		r, code := o.rootResolver(stderr)
		if r == nil {
			return code
		}
		return o.searchZone(ctx, rq, o.resolverFinder(ctx, r, p), p, stderr)
	}
	servers, ok, code := o.stubServers(ctx, p, stderr)
	if !ok {
		return code
	}
	nsq := rq
	nsq.qtype = dns.TypeNS
	return o.searchZone(ctx, rq, nsFinder{
		ns: func(name string) (*dns.Msg, int) {
			r, code := o.ask(ctx, nsq, name, &serverList{all: servers, tries: o.tries}, p)
			if r == nil {
				return nil, code
			}
			return r.msg, cli.ExitOK
		},
		addrs: func(name string, qtype uint16) *dns.Msg {
			q := o.query(name, qtype)
			o.sign(q)
			resp, _, _, err := o.exchange(ctx, q, &serverList{all: servers, tries: o.tries}, stubHooks{})
			if err != nil {
				return nil
			}
			return resp
		},
	}, p, stderr)
}

// resolverFinder finds the name servers from the root with r.
func (o *options) resolverFinder(ctx context.Context, r *resolver.Resolver, p printer) nsFinder {
	return nsFinder{
		ns: func(name string) (*dns.Msg, int) {
			res, err := r.Resolve(ctx, name, dns.TypeNS)
			if res == nil {
				p.resolveFailed(name, dns.TypeNS, err)
				return nil, exitInternal
			}
			return res.Msg, cli.ExitOK
		},
		addrs: func(name string, qtype uint16) *dns.Msg {
			res, _ := r.Resolve(ctx, name, qtype)
			if res == nil {
				return nil
			}
			return res.Msg
		},
	}
}

// searchZone is +nssearch as dig makes it: the name's NS records, each
// server's addresses, and the name's SOA asked of every address at
// once, without recursion; each answer printed as it comes, in short
// form with the server and the time. dig's status: 0, or 9 when no
// server answered.
func (o *options) searchZone(ctx context.Context, rq request, find nsFinder, p printer, stderr io.Writer) int {
	m, code := find.ns(rq.name)
	if m == nil {
		return code
	}
	var addrs []netip.Addr
	lost := ""
	for _, name := range nsNames(m) {
		a := o.nsAddrs(find, name)
		if len(a) == 0 {
			name = strings.TrimSuffix(name, ".")
			p.nsNoAddress(name)
			lost = name
		}
		addrs = append(addrs, a...)
	}
	switch {
	case len(addrs) == 0 && lost != "":
		// dig's words, "no more" from the end of its loop, and status.
		return command.Fail(stderr, exitUsage, "couldn't get address for '%s': no more", lost)
	case len(addrs) == 0:
		return cli.ExitOK // no NS records: dig says nothing
	case !o.askZoneServers(ctx, rq, addrs, p):
		p.nsNoneReached(rq.name)
		return exitNoReply
	}
	return cli.ExitOK
}

// nsNames are the name servers an answer names, as dig follows them up:
// the NS records of the answer section; without any, those of the
// authority section (a referral), unless it holds an SOA (no such zone).
func nsNames(m *dns.Msg) []string {
	names := nsTargets(m.Answer)
	if len(names) > 0 {
		return names
	}
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeSOA {
			return nil
		}
	}
	return nsTargets(m.Ns)
}

// nsTargets are the targets of the NS records among rrs.
func nsTargets(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if ns, ok := rr.(*dns.NS); ok {
			out = append(out, ns.Ns)
		}
	}
	return out
}

// nsAddrs are a name server's addresses, of the families -4 and -6
// allow: the A and AAAA records in the answers about its name.
func (o *options) nsAddrs(find nsFinder, name string) []netip.Addr {
	var out []netip.Addr
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if qt == dns.TypeA && o.family.V6 || qt == dns.TypeAAAA && o.family.V4 {
			continue
		}
		m := find.addrs(name, qt)
		if m == nil {
			continue
		}
		for _, rr := range m.Answer {
			var ip []byte
			switch r := rr.(type) {
			case *dns.A:
				ip = r.A
			case *dns.AAAA:
				ip = r.AAAA
			}
			if a, ok := netip.AddrFromSlice(ip); ok && rr.Header().Rrtype == qt {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}

// askZoneServers asks every address for the name's SOA at once, one try
// each, and prints each answer or failure as it comes; whether any
// server answered.
func (o *options) askZoneServers(ctx context.Context, rq request, addrs []netip.Addr, p printer) bool {
	network := "udp"
	if o.tcp {
		network = "tcp"
	}
	var wg sync.WaitGroup
	var answered atomic.Bool
	for _, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := o.query(rq.name, dns.TypeSOA)
			q.Question[0].Qclass = rq.qclass
			q.RecursionDesired = false
			o.sign(q)
			target := netip.AddrPortFrom(a, uint16(o.port)).String()
			resp, w, rtt, err := o.try(ctx, q, target, network, nil)
			if err != nil {
				p.nsFailed(fmt.Sprintf("%s#%d", a, o.port), err)
				return
			}
			answered.Store(true)
			p.nsAnswer(reply{msg: resp, rtt: rtt, size: w.size, serverAddr: a.String(),
				server: fmt.Sprintf("%s#%d(%s) (%s)", a, o.port, a, strings.ToUpper(network))})
		}()
	}
	wg.Wait()
	return answered.Load()
}
