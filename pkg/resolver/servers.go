package resolver

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// server is a name server to ask, with its name for the trace.
type server struct {
	addr netip.AddrPort
	name string
}

// roots are the root servers of the families the lookup may use.
func (lk *lookup) roots() []server {
	var out []server
	for _, a := range lk.r.cfg.Roots {
		if lk.allowed(a.Addr()) {
			out = append(out, server{addr: a})
		}
	}
	return out
}

// allowed: the address is of a family -4/-6 leave in use.
func (lk *lookup) allowed(a netip.Addr) bool {
	a = a.Unmap()
	return !(lk.r.cfg.V4Only && !a.Is4()) && !(lk.r.cfg.V6Only && !a.Is6())
}

// askZone asks the zone's servers in turn until one answers properly,
// looking up the addresses of glueless ones only once every known address
// has failed. It fails only when every server of the zone has.
func (lk *lookup) askZone(ctx context.Context, set *nsSet, qname string, qtype uint16, depth int) (*dns.Msg, netip.AddrPort, error) {
	zone := set.zone
	tried := map[netip.AddrPort]bool{}
	failed := &ZoneError{Zone: zone}
	for {
		for _, s := range lk.r.servers.order(zone, set.known) {
			if tried[s.addr] {
				continue
			}
			tried[s.addr] = true
			resp, err := lk.askServer(ctx, zone, s, qname, qtype, depth)
			if err == nil {
				return resp, s.addr, nil
			}
			if errors.Is(err, ErrTooMany) || ctx.Err() != nil {
				return nil, s.addr, err
			}
			failed.count(err)
		}
		if !lk.fetchPending(ctx, set, depth) {
			if failed.Last == nil {
				return nil, netip.AddrPort{}, ErrNoServers
			}
			return nil, netip.AddrPort{}, failed
		}
	}
}

// askServer asks one server of the zone; a lame answer or none is an
// error, and the server is ranked down for later queries: for this zone
// when lame (it may serve others well), for every zone when silent.
func (lk *lookup) askServer(ctx context.Context, zone string, s server, qname string, qtype uint16, depth int) (*dns.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lk.queries >= lk.r.cfg.MaxQueries {
		return nil, ErrTooMany
	}
	lk.queries++
	resp, rtt, err := lk.exchange(ctx, s, zone, qname, qtype, depth)
	if err == nil {
		lk.r.servers.rtt(s.addr, rtt)
		if why := lameness(zone, qname, resp); why != "" {
			lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: why})
			err = lameError(s, zone, why)
		}
	}
	switch {
	case errors.Is(err, errLame):
		lk.r.servers.markLame(s.addr, zone)
	case err != nil:
		lk.r.servers.markBad(s.addr)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// serverStats is what the resolver has seen of each server for its life:
// the last RTT measured, whether its last query failed, and the zones it
// answered lame for.
type serverStats struct {
	mu   sync.Mutex
	rtts map[netip.AddrPort]time.Duration
	bad  map[netip.AddrPort]bool
	lame map[lameKey]bool
}

// lameKey is a server address and a zone (lower case) it is lame for.
type lameKey struct {
	addr netip.AddrPort
	zone string
}

func newServerStats() *serverStats {
	return &serverStats{rtts: map[netip.AddrPort]time.Duration{}, bad: map[netip.AddrPort]bool{}, lame: map[lameKey]bool{}}
}

func (st *serverStats) markLame(a netip.AddrPort, zone string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lame[lameKey{a, strings.ToLower(zone)}] = true
}

func (st *serverStats) rtt(a netip.AddrPort, d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rtts[a] = d
	delete(st.bad, a)
}

func (st *serverStats) markBad(a netip.AddrPort) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.bad[a] = true
}

// order: servers never tried first (randomly), then by measured RTT, the
// ones that failed last, and last of all those lame for the zone.
func (st *serverStats) order(zone string, servers []server) []server {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := append([]server(nil), servers...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	rank := func(s server) (int, time.Duration) {
		switch {
		case st.lame[lameKey{s.addr, strings.ToLower(zone)}]:
			return 3, 0
		case st.bad[s.addr]:
			return 2, 0
		case st.rtts[s.addr] == 0:
			return 0, 0
		}
		return 1, st.rtts[s.addr]
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			ri, di := rank(out[j])
			rj, dj := rank(out[j-1])
			if ri < rj || (ri == rj && di < dj) {
				out[j], out[j-1] = out[j-1], out[j]
			} else {
				break
			}
		}
	}
	return out
}
