package garp

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// scanner is one --scan: the MACs heard for each address, kept as a set
// so that each reply costs the same however many MACs claim an address
// (a list searched per reply made a flood of them quadratic).
type scanner struct {
	s      *session
	prefix netip.Prefix
	macs   map[netip.Addr]int // how many MACs answered for the address
	heard  map[addrMAC]bool
}

type addrMAC struct {
	addr netip.Addr
	mac  [6]byte
}

// scan sweeps a subnet as arp-scan does: a request to every address at the
// rate asked for, then rounds of retries to the silent ones, each followed
// by the reply timeout. Replies print as they come; a second MAC for one
// address is flagged as a duplicate.
func (s *session) scan(ctx context.Context, prefix netip.Prefix) int {
	targets, err := scanTargets(prefix)
	if err != nil {
		return command.Fail(s.stderr, cli.ExitUsage, "%v", err)
	}
	if max := maxRate(s.ifi.Name); s.o.rate > max {
		return command.Fail(s.stderr, cli.ExitUsage, "--rate %d: more than %s carries (at most %d requests per second)", s.o.rate, s.ifi.Name, max)
	}
	bar := s.progress(len(targets))
	defer bar.Clear()
	start := time.Now()
	sc := &scanner{s: s, prefix: prefix, macs: map[netip.Addr]int{}, heard: map[addrMAC]bool{}}
	gap := time.Second / time.Duration(s.o.rate)
	sent := 0
	for round := 0; round < s.o.retries; round++ {
		next := time.Now()
		for _, a := range targets {
			if sc.macs[a] > 0 {
				continue
			}
			if !sc.drain(ctx, next) {
				return s.scanSummary(prefix, len(targets), len(sc.macs), sent, start)
			}
			if _, err := s.send(arpPacket{EthSrc: s.mac, EthDst: broadcastMAC, Op: layers.ARPRequest, SenderMAC: s.mac, SenderIP: s.src, TargetIP: a}); err != nil {
				return command.Fail(s.stderr, cli.ExitUsage, "sendto: %v", err)
			}
			sent++
			if round == 0 {
				bar.Add(1)
			}
			next = next.Add(gap)
		}
		if !sc.drain(ctx, time.Now().Add(s.o.timeout)) {
			break
		}
		if len(sc.macs) == len(targets) {
			break
		}
	}
	return s.scanSummary(prefix, len(targets), len(sc.macs), sent, start)
}

// scanTargets lists the addresses to ask about: the prefix without its
// network and broadcast addresses, at most a /16.
func scanTargets(prefix netip.Prefix) ([]netip.Addr, error) {
	var targets []netip.Addr
	for a := prefix.Addr(); prefix.Contains(a); a = a.Next() {
		if prefix.Bits() < 31 && (a == prefix.Addr() || !prefix.Contains(a.Next())) {
			continue // network and broadcast addresses
		}
		targets = append(targets, a)
		if len(targets) > 1<<16 {
			return nil, fmt.Errorf("--scan: %s is too large (at most a /16)", prefix)
		}
	}
	return targets, nil
}

// drain hears replies until until; false: the scan must end (-w, SIGINT,
// the socket closed).
func (sc *scanner) drain(ctx context.Context, until time.Time) bool {
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case r, ok := <-sc.s.conn.frame:
			if !ok {
				return false
			}
			sc.hear(r)
		case <-t.C:
			return true
		}
	}
}

// hear reports a reply from the subnet to our request, once per MAC.
func (sc *scanner) hear(r received) {
	s := sc.s
	s.record(r.at, r.raw)
	p := r.p
	if p.Op != layers.ARPReply || !sc.prefix.Contains(p.SenderIP) || p.TargetIP != s.src {
		return
	}
	key := addrMAC{p.SenderIP, [6]byte(p.SenderMAC)}
	if sc.heard[key] {
		return // the same answer again (a retry's)
	}
	sc.heard[key] = true
	sc.macs[p.SenderIP]++
	s.p.host(p.SenderIP, p.SenderMAC.String(), sc.macs[p.SenderIP], r.at)
}

func (s *session) scanSummary(prefix netip.Prefix, hosts, responded, sent int, start time.Time) int {
	s.p.scanSummary(prefix, hosts, responded, sent, time.Since(start), s.ifi.Name)
	return cli.ExitOK
}
