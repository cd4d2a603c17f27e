package gpmtud

import (
	"context"
	"errors"
	"time"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/probes"
)

// probePath is the network path the search probes through a
// probes.Prober: UDP datagrams to a closed port (no privilege needed,
// answers from the error queue) or, with -I, ICMP echo requests; DF set,
// the cached path MTU ignored.
type probePath struct {
	p    probes.Prober
	sent int // the last probe's id
}

func (pp *probePath) probe(ctx context.Context, ttl, size int, timeout time.Duration) (outcome, error) {
	pp.sent++
	id := pp.sent
	_, err := pp.p.Send(id, ttl, size)
	if mtu, ok := probes.Refused(err); ok {
		return outcome{res: resLocal, size: size, ttl: ttl, mtu: mtu}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	a, err := probes.Await(ctx, pp.p, id, timeout)
	lost := outcome{res: resLost, size: size, ttl: ttl}
	switch {
	case err == nil:
		return outcomeOf(a, ttl, size), nil
	case errors.Is(err, probes.ErrNoAnswer):
		return lost, nil
	case err == ctx.Err():
		return lost, err // interrupted
	}
	return outcome{}, err
}

// outcomeOf is what an answer to a probe of size bytes with TTL ttl says
// of the path.
func outcomeOf(a probes.Answer, ttl, size int) outcome {
	o := outcome{size: size, ttl: ttl, from: a.From, mtu: a.MTU, rtt: a.RTT, replyTTL: a.TTL, typ: a.Type, code: a.Code, icmpv6: a.ICMPv6}
	switch a.Kind {
	case icmpkind.Reply, icmpkind.Arrived:
		o.res = resThrough
	case icmpkind.FragNeeded:
		o.res = resTooBig
	case icmpkind.TimeExceeded:
		o.res = resHop
	default:
		o.res = resUnreachable
	}
	return o
}
