package resolver

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// The infrastructure cache's constants, unbound's (util/rtt.h, infra.h),
// and BIND's grace before backing off.
const (
	rtoUnknown = 376 * time.Millisecond // a server never measured
	rtoMin     = 50 * time.Millisecond
	rttBand    = 400 * time.Millisecond // servers this close to the best are chosen at random
	infraTTL   = 15 * time.Minute       // how long a measurement or a lameness is kept
	// graceTimeouts is how many timeouts in a row a server's RTO stays
	// as it is before it doubles: "we retry every .8 seconds the first
	// two times through the address list, and then we do exponential
	// back-off" (BIND's fctx_setretryinterval). A datagram lost on the way
	// says little about the server; three in a row say it is slow, or
	// down.
	graceTimeouts = 2
)

// serverStats is what the resolver knows of each server address for its
// life, as unbound's infra cache: a smoothed RTT and its variance, the
// retransmission timeout they give (RFC 6298), doubled on each timeout
// past the grace, and the zones for which the server answered lame.
type serverStats struct {
	mu    sync.Mutex
	hosts map[netip.AddrPort]*hostInfo
	lame  map[lameKey]time.Time // until when
}

type hostInfo struct {
	srtt, rttvar time.Duration
	rto          time.Duration
	timeouts     int // in a row, since the last answer
	expires      time.Time
}

// lameKey is a server address and a zone (lower case) it is lame for.
type lameKey struct {
	addr netip.AddrPort
	zone string
}

func newServerStats() *serverStats {
	return &serverStats{hosts: map[netip.AddrPort]*hostInfo{}, lame: map[lameKey]time.Time{}}
}

// host is a's entry, a fresh one when unknown or expired; with mu held.
func (st *serverStats) host(a netip.AddrPort) *hostInfo {
	h := st.hosts[a]
	if h == nil || time.Now().After(h.expires) {
		h = &hostInfo{rto: rtoUnknown}
		st.hosts[a] = h
	}
	h.expires = time.Now().Add(infraTTL)
	return h
}

// timeout is how long to wait for a's answer: its RTO, at most limit;
// rto is the RTO itself, for backoff.
func (st *serverStats) timeout(a netip.AddrPort, limit time.Duration) (wait, rto time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rto = st.host(a).rto
	return min(rto, limit), rto
}

// rtt takes an RTT sample (RFC 6298 2.2, 2.3).
func (st *serverStats) rtt(a netip.AddrPort, r time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	h := st.host(a)
	if h.srtt == 0 {
		h.srtt, h.rttvar = r, r/2
	} else {
		h.rttvar = (3*h.rttvar + (h.srtt - r).Abs()) / 4
		h.srtt = (7*h.srtt + r) / 8
	}
	h.rto = max(h.srtt+4*h.rttvar, rtoMin)
	h.timeouts = 0
}

// backoff takes a timeout of a query sent when a's RTO was rto: past the
// grace, the RTO doubles (RFC 6298 5.5), up to limit. As unbound's
// rtt_lost, it doubles the RTO the query was sent with, not the current
// one, so that many queries timing out at once double it once; and a
// timeout that an answer has overtaken (the RTO is lower now) is ignored.
func (st *serverStats) backoff(a netip.AddrPort, rto, limit time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	h := st.host(a)
	if h.rto < rto {
		return
	}
	if h.timeouts++; h.timeouts <= graceTimeouts {
		return
	}
	h.rto = max(h.rto, min(2*rto, max(limit, rtoMin)))
}

func (st *serverStats) markLame(a netip.AddrPort, zone string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lame[lameKey{a, strings.ToLower(zone)}] = time.Now().Add(infraTTL)
}

// order ranks servers as unbound selects them: those lame for the zone
// last; the rest by RTO, except that all within rttBand of the best come
// first in random order, so that servers never measured get their turn.
func (st *serverStats) order(zone string, servers []server) []server {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := append([]server(nil), servers...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	lame := func(s server) bool { return time.Now().Before(st.lame[lameKey{s.addr, strings.ToLower(zone)}]) }
	best := time.Duration(-1)
	for _, s := range out {
		if rto := st.host(s.addr).rto; !lame(s) && (best < 0 || rto < best) {
			best = rto
		}
	}
	rank := func(s server) (bool, time.Duration) {
		if rto := st.host(s.addr).rto; rto > best+rttBand {
			return lame(s), rto
		}
		return lame(s), 0
	}
	slices.SortStableFunc(out, func(a, b server) int {
		la, ra := rank(a)
		lb, rb := rank(b)
		switch {
		case la != lb && la:
			return 1
		case la != lb:
			return -1
		}
		return cmp.Compare(ra, rb)
	})
	return out
}
