package garp

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// scan sweeps a subnet as arp-scan does: a request to every address at the
// rate asked for, then rounds of retries to the silent ones, each followed
// by the reply timeout. Replies print as they come; a second MAC for one
// address is flagged as a duplicate.
func (s *session) scan(ctx context.Context, prefix netip.Prefix) int {
	var targets []netip.Addr
	for a := prefix.Addr(); prefix.Contains(a); a = a.Next() {
		if prefix.Bits() < 31 && (a == prefix.Addr() || !prefix.Contains(a.Next())) {
			continue // network and broadcast addresses
		}
		targets = append(targets, a)
		if len(targets) > 1<<16 {
			cli.Errorf(s.stderr, command.Name, "--scan: %s is too large (at most a /16)", prefix)
			return cli.ExitUsage
		}
	}
	start := time.Now()
	macs := map[netip.Addr][]string{}
	gap := time.Second / time.Duration(s.o.rate)
	handle := func(r received) {
		s.record(r.at, r.raw)
		p := r.p
		if p.Op != layers.ARPReply || !prefix.Contains(p.SenderIP) || p.TargetIP != s.src {
			return
		}
		mac := p.SenderMAC.String()
		for _, m := range macs[p.SenderIP] {
			if m == mac {
				return // the same answer again (a retry's)
			}
		}
		macs[p.SenderIP] = append(macs[p.SenderIP], mac)
		dup := len(macs[p.SenderIP]) > 1
		if s.out.js != nil {
			s.out.json(map[string]any{"type": "host", "addr": p.SenderIP.String(), "mac": mac, "duplicate": dup, "time": cli.Timestamp(r.at)})
			return
		}
		line := fmt.Sprintf("%s\t%s", p.SenderIP, mac)
		if dup {
			line += fmt.Sprintf("\t(DUP: %d)", len(macs[p.SenderIP]))
		}
		s.out.text("%s", line)
	}
	drain := func(until time.Time) bool {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return false
			case r, ok := <-s.conn.frame:
				if !ok {
					return false
				}
				handle(r)
			case <-t.C:
				return true
			}
		}
	}
	sent := 0
	for round := 0; round < s.o.retries; round++ {
		next := time.Now()
		for _, a := range targets {
			if len(macs[a]) > 0 {
				continue
			}
			if !drain(next) {
				return s.scanSummary(prefix, len(targets), len(macs), sent, start)
			}
			if _, err := s.send(arpPacket{EthSrc: s.mac, EthDst: broadcastMAC, Op: layers.ARPRequest, SenderMAC: s.mac, SenderIP: s.src, TargetIP: a}); err != nil {
				cli.Errorf(s.stderr, command.Name, "sendto: %v", err)
				return cli.ExitUsage
			}
			sent++
			next = next.Add(gap)
		}
		if !drain(time.Now().Add(s.o.timeout)) {
			break
		}
		if len(macs) == len(targets) {
			break
		}
	}
	return s.scanSummary(prefix, len(targets), len(macs), sent, start)
}

func (s *session) scanSummary(prefix netip.Prefix, hosts, responded, sent int, start time.Time) int {
	el := time.Since(start)
	if s.out.js != nil {
		s.out.json(map[string]any{"type": "summary", "subnet": prefix.String(), "hosts": hosts, "responded": responded, "requests": sent, "elapsed_ms": cli.Millis(el)})
	} else if !s.o.quiet {
		fmt.Fprintf(s.stderr, "%s: %d hosts scanned in %.3f seconds (%d requests on %s), %d responded\n", command.Name, hosts, el.Seconds(), sent, s.ifi.Name, responded)
	}
	return cli.ExitOK
}
