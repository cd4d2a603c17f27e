package garp

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
)

// prober is one arping run: what it sends and what it has heard.
type prober struct {
	s                      *session
	dst                    netip.Addr // the host asked about
	src, target            netip.Addr // the probes' sender and target addresses
	gratuitous             bool       // -U/-A: announcing, not asking
	sent, bcasts, received int
	peer                   net.HardwareAddr // where probes go: broadcast until a reply names the target's MAC
	lastSent               time.Time
	stopWhenDone           bool // -c probes sent: a last interval to hear the answers
}

// -w counts from the first probe, so that the probe falling due at the
// deadline itself still goes, as arping sends it (-c 2 -w 1 sends two): a
// little slack past it, however long the socket took to open.
const deadlineSlack = 20 * time.Millisecond

// arping is iputils arping: probes every interval, broadcast until a reply
// names the target's MAC (then unicast unless -b), replies printed with the
// time since the last probe.
func (s *session) arping(ctx context.Context, dst netip.Addr) int {
	o := s.o
	a := &prober{s: s, dst: dst, src: s.src, target: dst, gratuitous: o.unsol || o.advert, peer: broadcastMAC}
	if o.dad {
		a.src = netip.IPv4Unspecified()
	}
	if !a.src.IsValid() {
		return command.Fail(s.stderr, cli.ExitUsage, "no source address on %s; give one with -s", s.ifi.Name)
	}
	s.p.arping(dst, a.src, s.ifi.Name)
	if a.gratuitous {
		a.src = dst
	}
	interval := time.Duration(o.interval * float64(time.Second))
	tick := time.NewTimer(0)
	defer tick.Stop()
	var deadline <-chan time.Time
loop:
	for !a.done() {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline:
			break loop
		case <-tick.C:
			if o.count > 0 && o.deadline == 0 && a.sent >= o.count {
				a.stopWhenDone = true
				continue
			}
			at, err := a.send()
			if err != nil {
				return command.Fail(s.stderr, cli.ExitUsage, "sendto: %v", err)
			}
			if a.sent == 1 && o.deadline > 0 {
				dl := time.NewTimer(time.Duration(o.deadline*float64(time.Second)) + deadlineSlack)
				defer dl.Stop()
				deadline = dl.C
			}
			a.sentProbe(at)
			tick.Reset(interval)
		case r, ok := <-s.conn.frame:
			if !ok {
				break loop
			}
			a.hear(r)
		}
	}
	s.p.arpingSummary(dst, a.sent, a.bcasts, a.received, o.dad && a.received > 0)
	return a.exitCode()
}

// done says whether arping has what it came for.
func (a *prober) done() bool {
	o := a.s.o
	switch {
	case (o.first || o.dad) && a.received > 0:
		return true
	case o.count > 0 && o.deadline > 0:
		return a.received >= o.count
	case o.count > 0:
		return a.sent >= o.count && (a.received >= o.count || a.stopWhenDone)
	}
	return false
}

// send sends the next probe: a request, or with -A a reply.
func (a *prober) send() (time.Time, error) {
	s := a.s
	p := arpPacket{EthSrc: s.mac, EthDst: a.peer, Op: layers.ARPRequest, SenderMAC: s.mac, SenderIP: a.src, TargetIP: a.target}
	if s.o.advert {
		p.Op, p.TargetMAC = layers.ARPReply, broadcastMAC
	}
	at, err := s.send(p)
	if err != nil {
		return at, err
	}
	a.lastSent = at
	a.sent++
	return at, nil
}

// sentProbe counts and reports the probe just sent at at.
func (a *prober) sentProbe(at time.Time) {
	broadcast := a.peer.String() == broadcastMAC.String()
	if broadcast {
		a.bcasts++
	}
	a.s.p.probe(a.dst, a.sent, broadcast, at)
}

// hear takes a frame off the wire: the target's answer, or not ours.
func (a *prober) hear(r received) {
	s, o := a.s, a.s.o
	s.record(r.at, r.raw)
	p := r.p
	if a.gratuitous || p.SenderIP != a.dst || p.Op != layers.ARPReply && !(o.dad && p.Op == layers.ARPRequest && p.SenderIP == a.dst) {
		return
	}
	if !o.dad && p.TargetIP != a.src && p.TargetMAC.String() != s.mac.String() {
		return // a reply to someone else
	}
	a.received++
	s.p.reply(a.dst, p, p.EthDst.String() == broadcastMAC.String(), r.at.Sub(a.lastSent), r.at)
	if !o.bcast {
		a.peer = p.SenderMAC
	}
}

// exitCode is arping's: 0 for an answer (-D: for none; -U/-A: always).
func (a *prober) exitCode() int {
	o := a.s.o
	switch {
	case a.gratuitous:
		return cli.ExitOK
	case o.dad:
		if a.received > 0 {
			return cli.ExitFail
		}
		return cli.ExitOK
	case a.received > 0:
		return cli.ExitOK
	}
	return cli.ExitFail
}
