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
func (lk *lookup) pick(zone string, known []server, sent sendCounts, done map[netip.AddrPort]bool) (s server, n int, ok bool) {
	for _, c := range lk.r.servers.order(zone, known) {
		if m := sent.of(c.addr); !done[c.addr] && (!ok || m < n) {
			s, n, ok = c, m, true
		}
	}
	return s, n, ok
}

// sendCounts is how many times each server address of a zone has been
// asked in a lookup: a zone has a few addresses, and a map of them cost
// each lookup 330 bytes (BenchmarkBatch -memprofile).
type sendCounts []sendCount

type sendCount struct {
	addr netip.AddrPort
	n    int
}

// of is how many times a was asked.
func (c sendCounts) of(a netip.AddrPort) int {
	for _, x := range c {
		if x.addr == a {
			return x.n
		}
	}
	return 0
}

// add counts one more send to a, and says how many there have been.
func (c *sendCounts) add(a netip.AddrPort) int {
	for i := range *c {
		if (*c)[i].addr == a {
			(*c)[i].n++
			return (*c)[i].n
		}
	}
	*c = append(*c, sendCount{a, 1})
	return 1
}
