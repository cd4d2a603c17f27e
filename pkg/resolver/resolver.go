// Package resolver is an iterative DNS resolver: from root hints it
// follows referrals down to the zone that holds the answer, as a recursive
// server does, and reports every query it makes as an event. It owns the
// checks miekg/dns's client leaves to its caller: the response must come
// from the server asked, carry the ID and the question that were sent, and
// a referral must lead downwards; glue outside the delegating zone is
// ignored; every lookup is bounded in queries, depth and time.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Config tunes the resolver.
type Config struct {
	Roots      []netip.AddrPort // the root servers (from hints); never the real ones in tests
	Port       uint16           // port of the servers learned from referrals (53)
	Timeout    time.Duration    // per query
	MaxQueries int              // per resolution, glueless NS lookups included (unbound: 32)
	MaxCNAME   int              // CNAME/DNAME chain length
	MaxNSFetch int              // glueless NS names resolved per resolution (each name once, whatever its families)
	Deadline   time.Duration    // whole resolution
	V4Only     bool
	V6Only     bool
	BufSize    uint16 // EDNS0 buffer (1232)
	DNSSEC     bool   // set the DO bit (+dnssec)
	Rand0x20   bool   // randomise the query name's case and demand it back (draft-vixie-dnsext-dns0x20)
	QMin       bool   // QNAME minimisation (RFC 9156): each server sees one label more than its zone
	Events     func(Event)
}

// Event is one step of a resolution, for +trace and --json.
type Event struct {
	Kind   string // "query", "response", "referral", "timeout", "lame", "glueless", "cname", "tcp_retry"
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

// Result is the outcome of one resolution.
type Result struct {
	Msg     *dns.Msg // the final response, with the CNAME chain followed put first in its answer
	Server  netip.AddrPort
	Queries int
}

// Errors of a resolution.
var (
	ErrServFail   = errors.New("all servers failed to answer")
	ErrTooMany    = errors.New("too many queries for one resolution")
	ErrCNAMELoop  = errors.New("CNAME chain too long or looping")
	ErrNoServers  = errors.New("no usable name server addresses")
	ErrNoRootHint = errors.New("no root servers given")
)

// Resolver resolves names iteratively; safe for concurrent lookups, which
// share its cache.
type Resolver struct {
	cfg   Config
	cache *cache
}

// New makes a resolver.
func New(cfg Config) (*Resolver, error) {
	if len(cfg.Roots) == 0 {
		return nil, ErrNoRootHint
	}
	if cfg.Port == 0 {
		cfg.Port = 53
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 1500 * time.Millisecond
	}
	if cfg.MaxQueries == 0 {
		cfg.MaxQueries = 32
	}
	if cfg.MaxCNAME == 0 {
		cfg.MaxCNAME = 8
	}
	if cfg.MaxNSFetch == 0 {
		cfg.MaxNSFetch = 5
	}
	if cfg.Deadline == 0 {
		cfg.Deadline = 10 * time.Second
	}
	if cfg.BufSize == 0 {
		cfg.BufSize = 1232
	}
	return &Resolver{cfg: cfg, cache: newCache()}, nil
}

// lookup is the state of one resolution, shared by its nested lookups.
type lookup struct {
	r        *Resolver
	queries  int
	fetched  map[string]bool // glueless NS names looked up so far (bounded by MaxNSFetch)
	visiting map[string]bool // NS names being resolved (cycle detection)
}

func (r *Resolver) emit(e Event) {
	if r.cfg.Events != nil {
		r.cfg.Events(e)
	}
}

// Resolve finds qtype records of name.
func (r *Resolver) Resolve(ctx context.Context, name string, qtype uint16) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Deadline)
	defer cancel()
	lk := &lookup{r: r, fetched: map[string]bool{}, visiting: map[string]bool{}}
	res, err := lk.resolve(ctx, dns.Fqdn(name), qtype, 0)
	if res != nil {
		res.Queries = lk.queries
	}
	return res, err
}

// server is a name server to ask, with its name for the trace.
type server struct {
	addr netip.AddrPort
	name string
}

// nsSet is one zone's name servers: the addresses known (glue, or names
// already resolved) and the (name, type) lookups that would give more, for
// names that came without glue. Those lookups are made only when every
// known address has failed, one at a time, every name's A before any AAAA:
// a zone with a working server costs no lookup more than one that finds
// it, and a dead first name server still leaves the others to try.
type nsSet struct {
	zone    string
	known   []server
	pending []nsTarget
}

// nsTarget is an address lookup a zone's servers may still need.
type nsTarget struct {
	name  string
	qtype uint16
}

// clone copies the set, so one cached delegation serves concurrent lookups.
func (s nsSet) clone() nsSet {
	return nsSet{zone: s.zone, known: append([]server(nil), s.known...), pending: append([]nsTarget(nil), s.pending...)}
}

func (lk *lookup) roots() []server {
	var out []server
	for _, a := range lk.r.cfg.Roots {
		if lk.allowed(a.Addr()) {
			out = append(out, server{addr: a})
		}
	}
	return out
}

func (lk *lookup) allowed(a netip.Addr) bool {
	a = a.Unmap()
	return !(lk.r.cfg.V4Only && !a.Is4()) && !(lk.r.cfg.V6Only && !a.Is6())
}

// resolve follows the chain: referrals down from the root (or the closest
// cached delegation), CNAMEs across zones.
func (lk *lookup) resolve(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	var chain []dns.RR
	seen := map[string]bool{}
	orig := qname
	for hops := 0; ; hops++ {
		if hops > lk.r.cfg.MaxCNAME || seen[strings.ToLower(qname)] {
			return nil, ErrCNAMELoop
		}
		seen[strings.ToLower(qname)] = true
		res, err := lk.iterate(ctx, qname, qtype, depth)
		if err != nil {
			return res, err
		}
		msg := res.Msg
		target := ""
		if qtype != dns.TypeCNAME && !hasType(msg.Answer, qname, qtype) {
			for _, rr := range msg.Answer {
				if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, qname) {
					target = c.Target
				}
			}
			if target == "" {
				// A DNAME without the CNAME servers synthesise from it:
				// rewrite the suffix ourselves (RFC 6672).
				for _, rr := range msg.Answer {
					if d, ok := rr.(*dns.DNAME); ok && dns.IsSubDomain(d.Hdr.Name, qname) && !strings.EqualFold(d.Hdr.Name, qname) {
						prefix := qname[:len(qname)-len(d.Hdr.Name)]
						target = dns.Fqdn(prefix + d.Target)
						if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
							return nil, fmt.Errorf("DNAME %s -> %s makes an invalid name", d.Hdr.Name, d.Target)
						}
						lk.r.emit(Event{Kind: "cname", Depth: depth, QName: qname, Note: "DNAME " + d.Hdr.Name + " -> " + d.Target})
					}
				}
			}
		}
		if target == "" || msg.Rcode != dns.RcodeSuccess {
			out := msg.Copy()
			out.Answer = append(append([]dns.RR{}, chain...), out.Answer...)
			// The question asked, not the last link of the chain, as a
			// recursive server answers it.
			out.Question = []dns.Question{{Name: orig, Qtype: qtype, Qclass: dns.ClassINET}}
			res.Msg = out
			return res, nil
		}
		// The zone answered a CNAME without the target's records (another
		// zone holds them): follow it from the top.
		for _, rr := range msg.Answer {
			_, dname := rr.(*dns.DNAME)
			if strings.EqualFold(rr.Header().Name, qname) || (dname && dns.IsSubDomain(rr.Header().Name, qname)) {
				chain = append(chain, rr)
			}
		}
		lk.r.emit(Event{Kind: "cname", Depth: depth, QName: qname, Note: "-> " + target})
		qname = target
	}
}

func hasType(rrs []dns.RR, name string, qtype uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// iterate walks from the closest known delegation down to the zone that
// answers qname/qtype.
func (lk *lookup) iterate(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	if m := lk.r.cache.get(qname, qtype); m != nil {
		return &Result{Msg: m}, nil
	}
	set, ok := lk.r.cache.closestDelegation(qname)
	if !ok {
		set = nsSet{zone: ".", known: lk.roots()}
	}
	below := 1 // QNAME minimisation: labels below the zone shown to its servers
	for {
		askName, askType := qname, qtype
		if lk.r.cfg.QMin {
			if n := dns.CountLabel(set.zone) + below; n < dns.CountLabel(qname) {
				askName, askType = lastLabels(qname, n), dns.TypeNS
			}
		}
		resp, from, err := lk.askZone(ctx, &set, askName, askType, depth)
		if err != nil {
			return nil, err
		}
		if askName != qname {
			switch {
			case isReferral(resp):
				// A zone cut at askName: go down as for any referral.
			case resp.Rcode == dns.RcodeNameError:
				// Nothing exists at or below askName (RFC 8020).
				return &Result{Msg: resp, Server: from}, nil
			default:
				below++ // no cut there: show one label more
				continue
			}
		} else if len(resp.Answer) > 0 || resp.Rcode != dns.RcodeSuccess || !isReferral(resp) {
			// A final answer: an answer section, NXDOMAIN, or NODATA (SOA).
			lk.r.cache.put(qname, qtype, resp)
			return &Result{Msg: resp, Server: from}, nil
		}
		next, err := lk.referral(set.zone, qname, resp, depth)
		if err != nil {
			return nil, err
		}
		lk.r.cache.putDelegation(next)
		set, below = next, 1
	}
}

// lastLabels is the name made of the last n labels of name.
func lastLabels(name string, n int) string {
	idx := dns.Split(name)
	if n >= len(idx) {
		return name
	}
	return name[idx[len(idx)-n]:]
}

// isReferral: NS records in the authority section and no SOA there.
func isReferral(m *dns.Msg) bool {
	hasNS := false
	for _, rr := range m.Ns {
		switch rr.(type) {
		case *dns.SOA:
			return false
		case *dns.NS:
			hasNS = true
		}
	}
	return hasNS
}

// referral turns a delegation into the next zone's servers: only a zone
// strictly below the current one and at or above qname; glue used only if
// it lies inside the zone that sent it; names without usable glue left as
// lookups for askZone to make if it must.
func (lk *lookup) referral(zone, qname string, resp *dns.Msg, depth int) (nsSet, error) {
	child := ""
	var nsNames []string
	for _, rr := range resp.Ns {
		if ns, ok := rr.(*dns.NS); ok {
			if child == "" {
				child = dns.Fqdn(ns.Hdr.Name)
			}
			if strings.EqualFold(ns.Hdr.Name, child) {
				nsNames = append(nsNames, ns.Ns)
			}
		}
	}
	if !dns.IsSubDomain(zone, child) || strings.EqualFold(zone, child) || !dns.IsSubDomain(child, qname) {
		return nsSet{}, fmt.Errorf("lame referral from %s to %s for %s (not downwards)", zone, child, qname)
	}
	lk.r.emit(Event{Kind: "referral", Depth: depth, Zone: child, Msg: resp, QName: qname})
	set := nsSet{zone: child}
	var glueless []string
	for _, n := range nsNames {
		found := false
		for _, rr := range resp.Extra {
			if !strings.EqualFold(rr.Header().Name, n) || !dns.IsSubDomain(zone, n) {
				continue // glue from outside the sender's zone is not to be believed
			}
			if a := rrAddr(rr); a.IsValid() && lk.allowed(a) {
				set.known = append(set.known, server{addr: netip.AddrPortFrom(a, lk.r.cfg.Port), name: n})
				found = true
			}
		}
		if !found {
			glueless = append(glueless, n)
		}
	}
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if (qt == dns.TypeA && lk.r.cfg.V6Only) || (qt == dns.TypeAAAA && lk.r.cfg.V4Only) {
			continue
		}
		for _, n := range glueless {
			set.pending = append(set.pending, nsTarget{n, qt})
		}
	}
	return set, nil
}

// rrAddr is the address an A or AAAA record holds, or none.
func rrAddr(rr dns.RR) netip.Addr {
	var a netip.Addr
	switch g := rr.(type) {
	case *dns.A:
		a, _ = netip.AddrFromSlice(g.A.To4())
	case *dns.AAAA:
		a, _ = netip.AddrFromSlice(g.AAAA)
	}
	return a.Unmap()
}

// fetchPending makes the set's next pending address lookups until one
// gives a server address not known yet; false when none is left (or the
// NXNSAttack bound on glueless names is reached).
func (lk *lookup) fetchPending(ctx context.Context, set *nsSet, depth int) bool {
	for len(set.pending) > 0 && ctx.Err() == nil {
		t := set.pending[0]
		set.pending = set.pending[1:]
		key := strings.ToLower(t.name)
		if lk.visiting[key] {
			continue // a name whose own lookup needs this zone: a cycle
		}
		if !lk.fetched[key] {
			if len(lk.fetched) >= lk.r.cfg.MaxNSFetch {
				set.pending = nil
				return false
			}
			lk.fetched[key] = true
		}
		lk.r.emit(Event{Kind: "glueless", Depth: depth, Zone: set.zone, QName: t.name, QType: dns.TypeToString[t.qtype]})
		lk.visiting[key] = true
		res, err := lk.resolve(ctx, t.name, t.qtype, depth+1)
		delete(lk.visiting, key)
		if err != nil {
			continue
		}
		added := false
		for _, rr := range res.Msg.Answer {
			if a := rrAddr(rr); a.IsValid() && lk.allowed(a) && rr.Header().Rrtype == t.qtype {
				set.known = append(set.known, server{addr: netip.AddrPortFrom(a, lk.r.cfg.Port), name: t.name})
				added = true
			}
		}
		if set.zone != "." {
			lk.r.cache.putDelegation(*set)
		}
		if added {
			return true
		}
	}
	return false
}

// askZone asks the zone's servers in turn until one answers properly,
// looking up the addresses of glueless ones only once every known address
// has failed.
func (lk *lookup) askZone(ctx context.Context, set *nsSet, qname string, qtype uint16, depth int) (*dns.Msg, netip.AddrPort, error) {
	zone := set.zone
	tried := map[netip.AddrPort]bool{}
	var lastErr error = ErrNoServers
	for {
		for _, s := range lk.r.cache.order(set.known) {
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
		lk.r.cache.markBad(s.addr)
		return nil, err
	}
	lk.r.cache.rtt(s.addr, rtt)
	if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused || (!resp.Authoritative && len(resp.Answer) > 0 && !isReferral(resp)) {
		lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: dns.RcodeToString[resp.Rcode]})
		lk.r.cache.markBad(s.addr)
		return nil, fmt.Errorf("%s: %s", s.addr, dns.RcodeToString[resp.Rcode])
	}
	return resp, nil
}

// exchange sends one query (UDP, then TCP when truncated) and checks that
// the response is the answer to it.
func (lk *lookup) exchange(ctx context.Context, s server, zone, qname string, qtype uint16, depth int) (*dns.Msg, time.Duration, error) {
	q := new(dns.Msg)
	asked := qname
	if lk.r.cfg.Rand0x20 {
		asked = randomCase(qname)
	}
	q.SetQuestion(asked, qtype)
	q.Id = uint16(rand.Uint32())
	q.RecursionDesired = false
	q.SetEdns0(lk.r.cfg.BufSize, lk.r.cfg.DNSSEC)
	addr := net.JoinHostPort(s.addr.Addr().String(), fmt.Sprint(s.addr.Port()))
	lk.r.emit(Event{Kind: "query", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[qtype]})
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: lk.r.cfg.Timeout, UDPSize: lk.r.cfg.BufSize}
		resp, rtt, err := c.ExchangeContext(ctx, q, addr)
		if err == nil && resp.Rcode == dns.RcodeFormatError && q.IsEdns0() != nil {
			// A server from before EDNS: ask again without it (RFC 6891 6.2.2).
			lk.r.emit(Event{Kind: "retry", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: "FORMERR to EDNS, retrying without"})
			q.Extra = nil
			resp, rtt, err = c.ExchangeContext(ctx, q, addr)
		}
		if err != nil {
			lk.r.emit(Event{Kind: "timeout", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: err.Error()})
			return nil, 0, err
		}
		if err := checkResponse(q, resp, lk.r.cfg.Rand0x20); err != nil {
			lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: err.Error()})
			return nil, 0, err
		}
		if resp.Truncated && network == "udp" {
			lk.r.emit(Event{Kind: "tcp_retry", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname})
			continue
		}
		resp.Compress = true // the size as received: servers compress names
		size := resp.Len()
		lk.r.emit(Event{Kind: "response", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[qtype], RTT: rtt, Msg: resp, Size: size})
		return resp, rtt, nil
	}
	return nil, 0, ErrServFail
}

// randomCase flips the case of the name's letters at random: an off-path
// spoofer must guess it too.
func randomCase(name string) string {
	b := []byte(name)
	for i, c := range b {
		if ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') && rand.IntN(2) == 1 {
			b[i] = c ^ 0x20
		}
	}
	return string(b)
}

// checkResponse: the same ID, a response, and the question we asked (with
// 0x20, the name's case exactly as sent).
func checkResponse(q, r *dns.Msg, exactCase bool) error {
	if r.Id != q.Id {
		return errors.New("response with the wrong ID")
	}
	if !r.Response {
		return errors.New("not a response")
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Question[0].Name) || r.Question[0].Qtype != q.Question[0].Qtype || r.Question[0].Qclass != q.Question[0].Qclass {
		return errors.New("response to another question")
	}
	if exactCase && r.Question[0].Name != q.Question[0].Name {
		return errors.New("response with the question's case changed (0x20)")
	}
	return nil
}

// cache holds answers and delegations for the resolver's life, and the
// servers' RTTs.
type cache struct {
	mu    sync.Mutex
	msgs  map[string]cached
	deleg map[string]nsSet
	rtts  map[netip.AddrPort]time.Duration
	bad   map[netip.AddrPort]bool
}

type cached struct {
	m   *dns.Msg
	exp time.Time
}

func newCache() *cache {
	return &cache{msgs: map[string]cached{}, deleg: map[string]nsSet{}, rtts: map[netip.AddrPort]time.Duration{}, bad: map[netip.AddrPort]bool{}}
}

func key(name string, qtype uint16) string { return strings.ToLower(name) + "/" + fmt.Sprint(qtype) }

func (c *cache) get(name string, qtype uint16) *dns.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.msgs[key(name, qtype)]
	if !ok || time.Now().After(e.exp) {
		return nil
	}
	return e.m.Copy()
}

// put caches a final response for its smallest TTL (negative answers: the
// SOA's minimum).
func (c *cache) put(name string, qtype uint16, m *dns.Msg) {
	ttl := uint32(3600)
	for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Ns...) {
		t := rr.Header().Ttl
		if soa, ok := rr.(*dns.SOA); ok && soa.Minttl < t {
			t = soa.Minttl
		}
		ttl = min(ttl, t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs[key(name, qtype)] = cached{m.Copy(), time.Now().Add(time.Duration(ttl) * time.Second)}
}

func (c *cache) putDelegation(set nsSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleg[strings.ToLower(set.zone)] = set.clone()
}

// closestDelegation is the deepest cached zone enclosing name (a copy).
func (c *cache) closestDelegation(name string) (nsSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	labels := dns.SplitDomainName(name)
	for i := 0; i < len(labels); i++ {
		z := dns.Fqdn(strings.ToLower(strings.Join(labels[i:], ".")))
		if s, ok := c.deleg[z]; ok {
			return s.clone(), true
		}
	}
	return nsSet{}, false
}

func (c *cache) rtt(a netip.AddrPort, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rtts[a] = d
	delete(c.bad, a)
}

func (c *cache) markBad(a netip.AddrPort) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bad[a] = true
}

// order: servers never tried first (randomly), then by measured RTT, the
// ones that failed last.
func (c *cache) order(servers []server) []server {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]server(nil), servers...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	rank := func(s server) (int, time.Duration) {
		switch {
		case c.bad[s.addr]:
			return 2, 0
		case c.rtts[s.addr] == 0:
			return 0, 0
		}
		return 1, c.rtts[s.addr]
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
