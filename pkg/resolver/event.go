package resolver

import (
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Event is one step of a resolution, for +trace and --json.
type Event struct {
	Kind   string // "query", "response", "referral", "timeout", "lame", "glueless", "cname", "tcp_retry", "retry", "ignored"
	Depth  int    // nesting: glueless NS lookups are one deeper
	Zone   string // the zone the server was asked as
	Server netip.AddrPort
	Name   string // server's name when known
	QName  string
	QType  string
	RTT    time.Duration
	Msg    *dns.Msg
	Size   int
	Note   string
}

// emit hands e to the Events callback, if any.
func (r *Resolver) emit(e Event) {
	if r.cfg.Events != nil {
		r.emitMu.Lock()
		defer r.emitMu.Unlock()
		r.cfg.Events(e)
	}
}
