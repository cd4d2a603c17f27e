package garp

import (
	"context"
	"net/netip"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// arping is iputils arping: probes every interval, broadcast until a reply
// names the target's MAC (then unicast unless -b), replies printed with the
// time since the last probe.
func (s *session) arping(ctx context.Context, dst netip.Addr) int {
	o := s.o
	src := s.src
	if o.dad {
		src = netip.IPv4Unspecified()
	}
	if !src.IsValid() {
		cli.Errorf(s.stderr, command.Name, "no source address on %s; give one with -s", s.ifi.Name)
		return cli.ExitUsage
	}
	s.out.text("ARPING %s from %s %s", dst, src, s.ifi.Name)
	gratuitous := o.unsol || o.advert
	target := dst
	if gratuitous {
		src, target = dst, dst
	}
	var (
		sent, bcasts, received int
		peer                   = broadcastMAC
		lastSent               time.Time
		stopWhenDone           bool
	)
	interval := time.Duration(o.interval * float64(time.Second))
	tick := time.NewTimer(0)
	defer tick.Stop()
	// -w counts from the first probe, so that the probe falling due at
	// the deadline itself still goes, as arping sends it (-c 2 -w 1 sends
	// two): a little slack past it, however long the socket took to open.
	var deadline <-chan time.Time
	const deadlineSlack = 20 * time.Millisecond
	done := func() bool {
		switch {
		case (o.first || o.dad) && received > 0:
			return true
		case o.count > 0 && o.deadline > 0:
			return received >= o.count
		case o.count > 0:
			return sent >= o.count && (received >= o.count || stopWhenDone)
		}
		return false
	}
loop:
	for !done() {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline:
			break loop
		case <-tick.C:
			if o.count > 0 && o.deadline == 0 && sent >= o.count {
				stopWhenDone = true // a last interval to hear the answers
				continue
			}
			p := arpPacket{EthSrc: s.mac, EthDst: peer, Op: layers.ARPRequest, SenderMAC: s.mac, SenderIP: src, TargetIP: target}
			if o.advert {
				p.Op, p.TargetMAC = layers.ARPReply, broadcastMAC
			}
			at, err := s.send(p)
			if err != nil {
				cli.Errorf(s.stderr, command.Name, "sendto: %v", err)
				return cli.ExitUsage
			}
			lastSent = at
			sent++
			if sent == 1 && o.deadline > 0 {
				dl := time.NewTimer(time.Duration(o.deadline*float64(time.Second)) + deadlineSlack)
				defer dl.Stop()
				deadline = dl.C
			}
			if peer.String() == broadcastMAC.String() {
				bcasts++
			}
			s.out.json(map[string]any{"type": "probe", "host": dst.String(), "addr": dst.String(), "seq": sent, "broadcast": peer.String() == broadcastMAC.String(), "time": cli.Timestamp(at)})
			tick.Reset(interval)
		case r, ok := <-s.conn.frame:
			if !ok {
				break loop
			}
			s.record(r.at, r.raw)
			p := r.p
			if gratuitous || p.SenderIP != dst || p.Op != layers.ARPReply && !(o.dad && p.Op == layers.ARPRequest && p.SenderIP == dst) {
				continue
			}
			if !o.dad && p.TargetIP != src && p.TargetMAC.String() != s.mac.String() {
				continue // a reply to someone else
			}
			received++
			kind := "Unicast"
			if p.EthDst.String() == broadcastMAC.String() {
				kind = "Broadcast"
			}
			rtt := r.at.Sub(lastSent)
			s.out.text("%s reply from %s [%s]  %s", kind, p.SenderIP, macString(p.SenderMAC), fmtRTT(rtt))
			s.out.json(map[string]any{"type": "reply", "host": dst.String(), "addr": dst.String(), "from": p.SenderIP.String(), "mac": p.SenderMAC.String(),
				"broadcast": kind == "Broadcast", "rtt_ms": cli.Millis(rtt), "time": cli.Timestamp(r.at)})
			if !o.bcast {
				peer = p.SenderMAC
			}
		}
	}
	s.out.text("Sent %d probes (%d broadcast(s))", sent, bcasts)
	s.out.text("Received %d response(s)", received)
	s.out.json(map[string]any{"type": "summary", "host": dst.String(), "addr": dst.String(), "sent": sent, "broadcasts": bcasts, "received": received, "duplicate": o.dad && received > 0})
	switch {
	case gratuitous:
		return cli.ExitOK
	case o.dad:
		if received > 0 {
			return cli.ExitFail
		}
		return cli.ExitOK
	case received > 0:
		return cli.ExitOK
	}
	return cli.ExitFail
}
