package gdig

import (
	"context"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// iterative resolves from the root.
func (o *options) iterative(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	if rq.qtype == dns.TypeAXFR || rq.qtype == dns.TypeIXFR {
		return command.Fail(stderr, exitUsage, "%s: a zone transfer is asked of a server: give @server", dns.TypeToString[rq.qtype])
	}
	roots, err := o.rootAddrs()
	if err != nil {
		return command.Fail(stderr, exitUsage, "%v", err)
	}
	cfg := o.resolverConfig(roots)
	// With +search, the search list's names in turn while the answer is
	// NXDOMAIN, as dig asks its resolver.
	return o.searchList(rq.name, func(name string) (int, func(bool) int, int) {
		rq := rq
		rq.name = name
		res, rtt, err, code := o.resolve(ctx, cfg, rq, p, stderr)
		if res == nil {
			return 0, nil, code
		}
		// A failed resolution is an answer too, SERVFAIL, as a recursive
		// server gives it and dig prints it (status 0); +trace shows it
		// even though its steps ended elsewhere.
		return res.Msg.Rcode, func(noStats bool) int {
			msg := o.validated(p, rq, res, false)
			p.answer(reply{msg: msg, rtt: rtt, server: resolvedBy(res, err), cmdLine: rq.cmdLine,
				queries: res.Queries, traced: o.trace && err == nil, noStats: noStats})
			return o.validatedExit(res)
		}, cli.ExitOK
	})
}

// rootResolver is the resolver of a lookup from the root (a batch's
// shared one); nil and the lookup's status, after dig's words on stderr,
// if the flags make none.
func (o *options) rootResolver(stderr io.Writer) (*resolver.Resolver, int) {
	roots, err := o.rootAddrs()
	if err != nil {
		return nil, command.Fail(stderr, exitUsage, "%v", err)
	}
	r, err := o.newResolver(o.resolverConfig(roots))
	if err != nil {
		return nil, command.Fail(stderr, exitInternal, "%v", err)
	}
	return r, cli.ExitOK
}

// resolve runs one resolution with cfg, +trace's steps shown as they
// come. A nil result ends the lookup with code: a resolver the config
// cannot make, or an interrupted run, which has no answer to print, not
// even SERVFAIL. Otherwise err is why the answer is a SERVFAIL.
//
//lint:ignore ST1008 err describes res, and code is for when there is none
func (o *options) resolve(ctx context.Context, cfg resolver.Config, rq request, p printer, stderr io.Writer) (res *resolver.Result, rtt time.Duration, err error, code int) {
	if o.trace {
		p.traceStart(rq.cmdLine)
		cfg.Events = p.traceStep
	}
	r, err := o.newResolver(cfg)
	if err != nil {
		return nil, 0, err, command.Fail(stderr, exitInternal, "%v", err)
	}
	start := time.Now()
	res, err = r.Resolve(ctx, rq.name, rq.qtype)
	if res == nil {
		p.resolveFailed(rq.name, rq.qtype, err)
		return nil, 0, err, exitInternal
	}
	return res, time.Since(start), err, 0
}

// resolvedBy is the SERVER of an iterative answer: the server that gave
// it, the resolver's cache, or gdig itself for the SERVFAIL of a failed
// resolution.
func resolvedBy(res *resolver.Result, err error) string {
	switch {
	case err != nil:
		return "(gdig: resolution failed)"
	case !res.Server.IsValid():
		return "(cache)"
	}
	// Not fmt: this is made for each of a batch's answers, printed or not.
	addr := res.Server.Addr().String()
	return addr + "#" + strconv.Itoa(int(res.Server.Port())) + "(" + addr + ") (UDP)"
}

// resolverConfig is the resolver the flags ask for: +time is the longest
// wait for one answer, +tries the sends to each server address. Without
// +tries the resolver keeps its own count, as a recursive server does: it
// asks a server again after its RTO (a few hundred milliseconds, at most
// a second) until the lookup's deadline, each query listening +time (5 s)
// for a late answer; dig's 3 tries are for one resolver that retries
// upstream itself (as a forwarder, it takes them).
func (o *options) resolverConfig(roots []netip.AddrPort) resolver.Config {
	var tries int
	var timeout time.Duration
	if o.triesSet {
		tries = o.tries
	}
	if o.timeSet {
		timeout = o.timeout
	}
	return resolver.Config{Roots: roots, Port: uint16(o.port), Timeout: timeout, Tries: tries, CacheSize: o.cache, V4Only: o.family.V4, V6Only: o.family.V6,
		BufSize: uint16(o.bufsize), DNSSEC: o.dnssec, QMin: o.qmin, Prime: true, Rand0x20: o.rand0x,
		Validate: o.validate, Anchors: o.anchors.rrs}
}
