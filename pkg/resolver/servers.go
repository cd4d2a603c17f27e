package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
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
// has failed.
func (lk *lookup) askZone(ctx context.Context, set *nsSet, qname string, qtype uint16, depth int) (*dns.Msg, netip.AddrPort, error) {
	zone := set.zone
	tried := map[netip.AddrPort]bool{}
	var lastErr error = ErrNoServers
	for {
		for _, s := range lk.r.servers.order(set.known) {
			if tried[s.addr] {
				continue
			}
			tried[s.addr] = true
			resp, err := lk.askServer(ctx, zone, s, qname, qtype, depth)
			if err == nil {
				return resp, s.addr, nil
			}
			lastErr = err
			if errors.Is(err, ErrTooMany) || ctx.Err() != nil {
				return nil, s.addr, err
			}
		}
		if !lk.fetchPending(ctx, set, depth) {
			return nil, netip.AddrPort{}, lastErr
		}
	}
}

// askServer asks one server of the zone; a lame or failed answer is an
// error, and the server is marked bad for the ordering of later queries.
func (lk *lookup) askServer(ctx context.Context, zone string, s server, qname string, qtype uint16, depth int) (*dns.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lk.queries >= lk.r.cfg.MaxQueries {
		return nil, ErrTooMany
	}
	lk.queries++
	resp, rtt, err := lk.exchange(ctx, s, zone, qname, qtype, depth)
	if err != nil {
		lk.r.servers.markBad(s.addr)
		return nil, err
	}
	lk.r.servers.rtt(s.addr, rtt)
	if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused || (!resp.Authoritative && len(resp.Answer) > 0 && !isReferral(resp)) {
		lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: dns.RcodeToString[resp.Rcode]})
		lk.r.servers.markBad(s.addr)
		return nil, fmt.Errorf("%s: %s", s.addr, dns.RcodeToString[resp.Rcode])
	}
	return resp, nil
}

// serverStats is what the resolver has seen of each server for its life:
// the last RTT measured, and whether its last query failed.
type serverStats struct {
	mu   sync.Mutex
	rtts map[netip.AddrPort]time.Duration
	bad  map[netip.AddrPort]bool
}

func newServerStats() *serverStats {
	return &serverStats{rtts: map[netip.AddrPort]time.Duration{}, bad: map[netip.AddrPort]bool{}}
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
// ones that failed last.
func (st *serverStats) order(servers []server) []server {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := append([]server(nil), servers...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	rank := func(s server) (int, time.Duration) {
		switch {
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
