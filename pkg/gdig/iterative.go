package gdig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// iterative resolves from the root.
func (o *options) iterative(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	roots, err := o.rootAddrs()
	if err != nil {
		return command.Fail(stderr, exitUsage, "%v", err)
	}
	cfg := o.resolverConfig(roots)
	if o.trace {
		p.traceStart(rq.cmdLine)
		cfg.Events = p.traceStep
	}
	r, err := resolver.New(cfg)
	if err != nil {
		return command.Fail(stderr, exitInternal, "%v", err)
	}
	start := time.Now()
	res, err := r.Resolve(ctx, rq.name, rq.qtype)
	if err != nil {
		p.resolveFailed(rq.name, rq.qtype, err)
		if errors.Is(err, resolver.ErrServFail) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, resolver.ErrNoServers) {
			return exitNoReply
		}
		return exitInternal
	}
	p.answer(reply{msg: res.Msg, rtt: time.Since(start), server: resolvedBy(res.Server), cmdLine: rq.cmdLine,
		queries: res.Queries, traced: o.trace})
	return cli.ExitOK
}

// resolvedBy is the SERVER of an iterative answer: the server that gave
// it, or the resolver's cache.
func resolvedBy(server netip.AddrPort) string {
	if !server.IsValid() {
		return "(cache)"
	}
	return fmt.Sprintf("%s#%d(%s) (UDP)", server.Addr(), server.Port(), server.Addr())
}

// resolverConfig is the resolver the flags ask for: +time is the longest
// wait for one answer, +tries the sends to each server address.
func (o *options) resolverConfig(roots []netip.AddrPort) resolver.Config {
	return resolver.Config{Roots: roots, Port: uint16(o.port), Timeout: o.timeout, Tries: o.tries, V4Only: o.family.V4, V6Only: o.family.V6,
		BufSize: uint16(o.bufsize), DNSSEC: o.dnssec, QMin: o.qmin, Rand0x20: o.rand0x}
}
