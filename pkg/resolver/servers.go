package resolver

import (
	"context"
	"errors"
	"net/netip"

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

// askZone asks the zone's servers until one answers properly: the best
// first, each server that does not answer again only after every other
// has been asked as often, and the addresses of glueless ones looked up
// only once every known address has had its first try. A server that
// answers lame, or cannot be reached, is done with; one that only timed
// out is asked again, after its RTO, until the lookup's deadline or query
// budget ends (with Tries, at most that many times): on a lossy path a
// timeout is not lameness, and a zone whose servers all time out is
// retried, as unbound keeps probing. It fails when every server of the
// zone has, or when time runs out.
func (lk *lookup) askZone(ctx context.Context, set *nsSet, qname string, qtype uint16, depth int) (*dns.Msg, netip.AddrPort, error) {
	zone := set.zone
	sent := map[netip.AddrPort]int{}
	done := map[netip.AddrPort]bool{} // lame, unreachable or out of tries: not asked again
	failed := &ZoneError{Zone: zone}
	for {
		if err := ctx.Err(); err != nil {
			return nil, netip.AddrPort{}, failed.outOfTime(err, sent, done) // fetchPending makes no lookup then either
		}
		s, n, ok := lk.pick(zone, set.known, sent, done)
		if (!ok || n > 0) && len(set.pending) > 0 {
			lk.fetchPending(ctx, set, depth)
			continue
		}
		if !ok {
			if failed.Last == nil {
				return nil, netip.AddrPort{}, ErrNoServers
			}
			return nil, netip.AddrPort{}, failed
		}
		sent[s.addr]++
		last := sent[s.addr] == lk.r.cfg.Tries
		resp, err := lk.askServer(ctx, zone, s, qname, qtype, depth, last)
		switch {
		case err == nil:
			return resp, s.addr, nil
		case errors.Is(err, ErrTooMany):
			return nil, s.addr, err
		case ctx.Err() != nil:
			return nil, s.addr, failed.outOfTime(ctx.Err(), sent, done)
		case !errors.Is(err, errTimeout) || last:
			done[s.addr] = true
			failed.count(err)
		}
	}
}

// askServer asks one server of the zone, waiting its RTO; a lame answer
// or none is an error, and the server is ranked down for later queries:
// for this zone when lame (it may serve others well), for every zone when
// silent. An unreachable address costs nothing of the query budget. The
// last of Tries (patient) waits the whole Timeout, however short the RTO:
// a loaded host or path gets one chance to be slow before the server is
// given up.
func (lk *lookup) askServer(ctx context.Context, zone string, s server, qname string, qtype uint16, depth int, patient bool) (*dns.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lk.queries >= lk.r.cfg.MaxQueries {
		return nil, ErrTooMany
	}
	lk.queries++
	wait, rto := lk.r.servers.timeout(s.addr, lk.r.cfg.Timeout)
	if patient {
		wait = lk.r.cfg.Timeout
	}
	resp, rtt, err := lk.exchange(ctx, s, zone, qname, qtype, depth, wait)
	if err == nil {
		lk.r.servers.rtt(s.addr, rtt)
		if why := usable(zone, qname, qtype, resp); why != "" {
			lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: why})
			err = lameError(s, zone, why)
		}
	}
	switch {
	case errors.Is(err, errLame):
		lk.r.servers.markLame(s.addr, zone)
	case errors.Is(err, errTimeout):
		lk.r.servers.backoff(s.addr, rto, lk.r.cfg.Timeout)
	case errors.Is(err, errUnreachable):
		lk.queries--
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// pick is the next server to ask: of those not done with, the ones asked
// least, best first; n is how many times it was asked already.
func (lk *lookup) pick(zone string, known []server, sent map[netip.AddrPort]int, done map[netip.AddrPort]bool) (s server, n int, ok bool) {
	for _, c := range lk.r.servers.order(zone, known) {
		if !done[c.addr] && (!ok || sent[c.addr] < n) {
			s, n, ok = c, sent[c.addr], true
		}
	}
	return s, n, ok
}
