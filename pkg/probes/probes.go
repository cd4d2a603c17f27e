// Package probes is the one interface the tracing tools send probes
// through: gtraceroute and gpmtud probe with UDP datagrams (pkg/udpprobe),
// ICMP echo requests (pkg/icmpx) or, in gtraceroute, packets it builds
// itself (TCP, DCCP, raw IP) or TCP connections, and each
// engine's answers come back here as the same Answer, matched to the id
// the caller gave its probe and classified by pkg/icmpkind.
package probes

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/udpprobe"
)

// Prober sends probes one way and hands back the answers.
type Prober interface {
	// Send sends the probe id: an IP packet of size bytes with the TTL
	// (hop limit) ttl, 0 for the default. It returns when the probe left.
	Send(id, ttl, size int) (time.Time, error)
	// Answers delivers the answers to the probes sent, in the order they
	// arrived, until Close.
	Answers() <-chan Answer
	Close() error
}

// Answer is what came back for one probe.
type Answer struct {
	ID   int           // the probe's id, as given to Send
	Kind icmpkind.Kind // Reply or Arrived: the destination answered
	From netip.Addr    // who answered: a router, or the destination
	At   time.Time     // kernel receive time
	RTT  time.Duration
	// TTL is the TTL (hop limit) the answer arrived with, -1 if unknown.
	TTL        int
	Type, Code uint8 // the ICMP (ICMPv6) type and code of an error
	ICMPv6     bool
	MTU        int               // next-hop MTU of FragNeeded, 0 if none was given
	MPLS       []icmpx.MPLSLabel // the label stack of an RFC 4950 extension
	// Info is what the method says of the destination's answer, as
	// traceroute -O info prints it (TCP: the answer's flags, "syn,ack").
	Info string
}

// ErrNoAnswer is Await's error when the wait ran out.
var ErrNoAnswer = errors.New("probes: no answer")

// errClosed is Await's error when the prober closed under it.
var errClosed = errors.New("probes: prober closed")

// Await waits up to timeout for the answer to probe id, passing over late
// answers to earlier probes (given up on already).
func Await(ctx context.Context, p Prober, id int, timeout time.Duration) (Answer, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case a, ok := <-p.Answers():
			if !ok {
				return Answer{}, errClosed
			}
			if a.ID == id {
				return a, nil
			}
		case <-t.C:
			return Answer{}, ErrNoAnswer
		case <-ctx.Done():
			return Answer{}, ctx.Err()
		}
	}
}

// Refused reports whether Send's error is the local stack refusing the
// probe, and the MTU it named (0 if none): a UDP probe larger than the
// interface MTU, or any local error of an ICMP probe.
func Refused(err error) (mtu int, ok bool) {
	var lm *udpprobe.LocalMTUError
	if errors.As(err, &lm) {
		return lm.MTU, true
	}
	var le *icmpx.LocalErr
	if errors.As(err, &le) {
		return le.MTU, true
	}
	return 0, false
}
