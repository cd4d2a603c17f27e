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
	s.out.text("garp: watching ARP on %s", s.ifi.Name)
	for {
		select {
		case <-ctx.Done():
			s.out.json(map[string]any{"type": "summary", "interface": s.ifi.Name, "stations": len(known), "conflicts": conflicts})
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
				s.out.text("%s new station %s %s", r.at.Format("15:04:05.000"), ip, mac)
				s.out.json(map[string]any{"type": "new_station", "addr": ip, "mac": mac, "time": cli.Timestamp(r.at)})
			case old.mac != mac:
				conflicts++
				gratuitous := p.SenderIP == p.TargetIP
				s.out.text("%s CONFLICT %s is at %s, was at %s (seen %s ago)%s", r.at.Format("15:04:05.000"), ip, mac, old.mac,
					r.at.Sub(old.seen).Round(time.Millisecond), map[bool]string{true: " by gratuitous ARP", false: ""}[gratuitous])
				s.out.json(map[string]any{"type": "conflict", "addr": ip, "mac": mac, "previous_mac": old.mac, "gratuitous": gratuitous, "time": cli.Timestamp(r.at)})
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
