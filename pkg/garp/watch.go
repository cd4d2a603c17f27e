package garp

import (
	"context"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// watch listens to every ARP frame on the interface, as arpwatch does: a
// new station is reported once; a known address claimed by another MAC is
// a conflict (a changed NIC, or ARP spoofing). The table of stations is
// bounded (maxStations); one evicted and heard again is new again.
func (s *session) watch(ctx context.Context, once bool) int {
	known := newStations(maxStations)
	heard, conflicts := 0, 0
	s.p.watching(s.ifi.Name)
	for {
		select {
		case <-ctx.Done():
			s.p.watchSummary(s.ifi.Name, heard, conflicts)
			if once && conflicts > 0 {
				return cli.ExitFail
			}
			return cli.ExitOK
		case r, ok := <-s.conn.frame:
			if !ok {
				return cli.ExitUsage
			}
			s.record(r.at, r.raw)
			p := r.p
			if !p.SenderIP.IsValid() || p.SenderIP.IsUnspecified() {
				continue // DAD probes carry no sender address
			}
			if p.Op != layers.ARPRequest && p.Op != layers.ARPReply {
				continue
			}
			mac := p.SenderMAC.String()
			old, seen := known.get(p.SenderIP)
			known.put(p.SenderIP, mac, r.at)
			switch {
			case !seen:
				heard++
				s.p.newStation(p.SenderIP.String(), mac, r.at)
			case old.mac != mac:
				conflicts++
				s.p.conflict(p.SenderIP.String(), mac, old.mac, r.at.Sub(old.seen), p.SenderIP == p.TargetIP, r.at)
				if once {
					return cli.ExitFail
				}
			}
		}
	}
}
