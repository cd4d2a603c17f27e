// Package resolver is an iterative DNS resolver: from root hints it
// follows referrals down to the zone that holds the answer, as a recursive
// server does, and reports every query it makes as an event. It owns the
// checks miekg/dns's client leaves to its caller: the response must come
// from the server asked, carry the ID and the question that were sent, and
// a referral must lead downwards; glue outside the delegating zone is
// ignored; every lookup is bounded in queries, depth and time.
package resolver

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Config tunes the resolver.
type Config struct {
	Roots      []netip.AddrPort // the root servers (from hints); never the real ones in tests
	Port       uint16           // port of the servers learned from referrals (53)
	Timeout    time.Duration    // the longest wait for one answer: a query listens this long (5 s, as dig's +time)
	Tries      int              // sends to one server address per zone lookup at most; 0: until Deadline (with Forward, 3 as dig)
	MaxQueries int              // sends per resolution, glueless NS lookups and retransmissions included (64)
	MaxCNAME   int              // CNAME/DNAME chain length
	MaxNSFetch int              // glueless NS names resolved per resolution (each name once, whatever its families)
	Deadline   time.Duration    // whole resolution
	V4Only     bool
	V6Only     bool
	BufSize    uint16         // EDNS0 buffer (1232)
	DNSSEC     bool           // set the DO bit (+dnssec)
	Rand0x20   bool           // randomise the query name's case and demand it back (draft-vixie-dnsext-dns0x20)
	QMin       bool           // QNAME minimisation (RFC 9156): each server sees one label more than its zone
	Prime      bool           // ask the hints for the root's NS set first (RFC 8109), as unbound does
	CacheSize  int            // answers, and delegations, cached at most each (LRU); 10000
	Validate   bool           // DNSSEC validation (validate.go); sets DNSSEC
	Anchors    []dns.RR       // trust anchors (DS or DNSKEY of one zone); RootAnchors when nil
	Forward    netip.AddrPort // ask this recursive server (RD, CD) instead of walking from Roots (forward.go)
	Events     func(Event)
}

// Result is the outcome of one resolution.
type Result struct {
	Msg     *dns.Msg // the final response, with the CNAME chain followed put first in its answer
	Server  netip.AddrPort
	Queries int
	Verdict *Verdict // DNSSEC validation's, with Config.Validate
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
	cfg     Config
	emitMu  sync.Mutex // events come from a lookup's tries too
	cache   *cache
	servers *serverStats
	socks   sockPool
	flights flights
	anchors []dns.RR
	keys    keyCache
}

// New makes a resolver.
func New(cfg Config) (*Resolver, error) {
	if len(cfg.Roots) == 0 {
		return nil, ErrNoRootHint
	}
	if cfg.Port == 0 {
		cfg.Port = 53
	}
	if cfg.Forward.IsValid() {
		// One recursive server, which retries upstream itself: dig's
		// tries.
		cfg.Tries = cmp.Or(cfg.Tries, 3)
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, 5*time.Second)
	if cfg.MaxQueries == 0 {
		// unbound's max-sent-count is 32 sends per delegation step of
		// each query (and of each name server's address lookup); this
		// is one bound for the whole resolution, retransmissions
		// included: on a path that loses a third of the exchanges, a
		// lookup of a dozen steps sends 19 on average, now and then 32.
		cfg.MaxQueries = 64
		if cfg.Validate {
			cfg.MaxQueries = 128 // the chain of trust's DS and DNSKEY lookups too
		}
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
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 10000
	}
	if cfg.BufSize == 0 {
		cfg.BufSize = 1232
	}
	r := &Resolver{cfg: cfg, cache: newCache(cfg.CacheSize), servers: newServerStats()}
	if cfg.Validate {
		r.cfg.DNSSEC = true
		anchors, err := parseAnchors(cfg.Anchors)
		if err != nil {
			return nil, err
		}
		r.anchors = anchors
	}
	return r, nil
}

// lookup is the state of one resolution, shared by its nested lookups.
type lookup struct {
	r        *Resolver
	queries  int
	fetched  map[string]bool // glueless NS names looked up so far (bounded by MaxNSFetch)
	visiting map[string]bool // NS names being resolved (cycle detection)
	waited   map[string]bool // flights waited for (each once)
}

// mark sets key in *m, making the map first: most lookups need none of
// their maps, and making them cost a batch of names 1.7% of its CPU.
func mark[K comparable](m *map[K]bool, key K) {
	if *m == nil {
		*m = map[K]bool{}
	}
	(*m)[key] = true
}

// Resolve finds qtype records of name. When the resolution fails, the
// error says why and the Result still holds the answer a recursive server
// gives then: SERVFAIL with an Extended DNS Error. Only a cancelled ctx
// leaves no answer.
func (r *Resolver) Resolve(ctx context.Context, name string, qtype uint16) (*Result, error) {
	rctx := newLookupCtx(ctx, r.cfg.Deadline)
	defer rctx.stop()
	lk := &lookup{r: r}
	res, err := lk.resolve(rctx, dns.Fqdn(name), qtype, 0)
	var verdict *Verdict
	if err == nil && r.cfg.Validate {
		res, verdict, err = lk.judge(rctx, dns.Fqdn(name), qtype, res)
	}
	if err != nil {
		res = nil
		if ctx.Err() == nil {
			res = &Result{Msg: servFail(name, qtype, err)}
		}
	}
	if res != nil {
		res.Queries = lk.queries
		res.Verdict = verdict
	}
	return res, err
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded as soon as ctx's
// deadline has passed: the context's own timer may fire a little later,
// while a socket given the deadline has already failed by it.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// rtoMax is the longest a lookup waits before it asks again (a server
// is asked again at least this often while the lookup lasts, and each
// query keeps listening for Timeout): BIND's and unbound's first
// retransmission timeouts are 0.8 s and 0.376 s.
const rtoMax = time.Second

// rtoCeiling is rtoMax, or Timeout when shorter.
func (r *Resolver) rtoCeiling() time.Duration { return min(rtoMax, r.cfg.Timeout) }
