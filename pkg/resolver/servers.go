package resolver

import (
	"net/netip"
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
