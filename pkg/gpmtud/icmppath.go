package gpmtud

import (
	"context"
	"errors"
	"time"

	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/sockopt"
)

// icmpPath probes with ICMP echo requests through pkg/icmpx (-I): DF set,
// the cached path MTU ignored, answers as typed events.
type icmpPath struct {
	c   *icmpx.Conn
	v6  bool
	seq uint16
}

func (p *icmpPath) probe(ctx context.Context, ttl, size int, timeout time.Duration) (outcome, error) {
	hdr := sockopt.IPHeaderLen(p.v6) + 8
	if ttl > 0 {
		if err := p.c.SetTTL(ttl); err != nil {
			return outcome{}, err
		}
	} else if err := p.c.SetTTL(64); err != nil {
		return outcome{}, err
	}
	p.seq++
	seq := p.seq
	_, err := p.c.Send(seq, make([]byte, max(size-hdr, 0)))
	var le *icmpx.LocalErr
	if errors.As(err, &le) {
		return outcome{res: resLocal, size: size, ttl: ttl, mtu: le.MTU}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-p.c.Events():
			if !ok {
				return outcome{}, errors.New("icmp socket closed")
			}
			if ev.Seq != seq || ev.Dup {
				continue // late or duplicate answers to earlier probes
			}
			o := outcome{size: size, ttl: ttl, from: ev.From, rtt: ev.RTT, replyTTL: ev.TTL, typ: ev.Type, code: ev.Code, icmpv6: ev.ICMPv6, mtu: ev.MTU}
			switch ev.Kind {
			case icmpx.Reply:
				o.res = resThrough
			case icmpx.FragNeeded:
				o.res = resTooBig
			case icmpx.TimeExceeded:
				o.res = resHop
			case icmpx.LocalError:
				continue
			default:
				o.res = resUnreachable
			}
			return o, nil
		case <-t.C:
			return outcome{res: resLost, size: size, ttl: ttl}, nil
		case <-ctx.Done():
			return outcome{res: resLost, size: size, ttl: ttl}, ctx.Err()
		}
	}
}
