package garp

import (
	"context"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// watch listens to every ARP frame on the interface, as arpwatch does: a
// new station is reported once; a known address claimed by another MAC is
// a conflict (a changed NIC, or ARP spoofing).
func (s *session) watch(ctx context.Context, once bool) int {
	type station struct {
		mac  string
		seen time.Time
	}
	known := map[string]station{}
	conflicts := 0
	s.p.watching(s.ifi.Name)
	for {
		select {
		case <-ctx.Done():
			s.p.watchSummary(s.ifi.Name, len(known), conflicts)
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
			ip, mac := p.SenderIP.String(), p.SenderMAC.String()
			old, seen := known[ip]
			switch {
			case !seen:
				known[ip] = station{mac, r.at}
				s.p.newStation(ip, mac, r.at)
			case old.mac != mac:
				conflicts++
				s.p.conflict(ip, mac, old.mac, r.at.Sub(old.seen), p.SenderIP == p.TargetIP, r.at)
				known[ip] = station{mac, r.at}
				if once {
					return cli.ExitFail
				}
			default:
				known[ip] = station{mac, r.at}
			}
		}
	}
}
