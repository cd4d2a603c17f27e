package gpmtud

import (
	"context"
	"errors"
	"time"

	"gnetutils/pkg/udpprobe"
)

// udpPath probes with UDP datagrams to a closed port through udpprobe: no
// privilege needed, answers from the socket's error queue.
type udpPath struct {
	p *udpprobe.Prober
}

func (u *udpPath) probe(ctx context.Context, ttl, size int, timeout time.Duration) (outcome, error) {
	pr, err := u.p.Send(ttl, size)
	var lm *udpprobe.LocalMTUError
	if errors.As(err, &lm) {
		return outcome{res: resLocal, size: size, ttl: ttl, mtu: lm.MTU}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case a, ok := <-u.p.Answers():
			if !ok {
				return outcome{}, errors.New("prober closed")
			}
			if a.Probe.ID != pr.ID {
				continue // a late answer to an earlier probe, already given up on
			}
			return answerOutcome(a), nil
		case <-t.C:
			return outcome{res: resLost, size: size, ttl: ttl}, nil
		case <-ctx.Done():
			return outcome{res: resLost, size: size, ttl: ttl}, ctx.Err()
		}
	}
}
