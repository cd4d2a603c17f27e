package gdig

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"

	"github.com/miekg/dns"
)

// exitBatch is dig's exit code for a batch file it cannot open.
const exitBatch = 8

// batchLookup is one lookup of a batch run: its options, its validated
// request, and how its command line opens it.
type batchLookup struct {
	o     *options
	rq    request
	noCmd bool // not the first lookup of its line: no command line
	brief bool // a later line's command line, which dig prints alone
}

// batch runs the command line's lookups, then those of -f's file, whose
// lines are each a dig command line without "dig" (readBatch). They run
// --concurrency at once, the lookups whose options agree sharing one
// resolver and its cache, and print in input order (--unordered: as they
// end). The status is as without -f (lookupsStatus): the last lookup's,
// as dig -f ends, or 1 when an answer was bogus under +validate.
func batch(ctx context.Context, named []*options, def *options, cmdLine string, stdin io.Reader, stdout, stderr io.Writer) int {
	if def.conc < 1 {
		return fail(stderr, errors.New("--concurrency must be positive"))
	}
	def.pool = &resolverPool{}
	var items []batchLookup
	for i, o := range named {
		items = append(items, batchLookup{o: o, rq: request{cmdLine: cmdLine}, noCmd: i > 0})
	}
	lines, done, code := readBatchFile(def, stdin, stdout, stderr, len(items) > 0)
	if done {
		return code
	}
	items = append(items, lines...)
	// As without -f, every lookup is validated before the first is sent.
	for i := range items {
		it := &items[i]
		rq, err := it.o.newRequest(stderr)
		if err != nil {
			return fail(stderr, err)
		}
		rq.cmdLine = it.rq.cmdLine
		it.rq = rq
	}
	return runBatch(ctx, items, def.conc, def.unorder, stdout, stderr)
}

// readBatchFile reads -f's file, or stdin for "-"; brief: a lookup comes
// before its first line.
func readBatchFile(def *options, stdin io.Reader, stdout, stderr io.Writer, brief bool) ([]batchLookup, bool, int) {
	r := stdin
	if def.file != "-" {
		f, err := os.Open(def.file)
		if err != nil {
			return nil, true, command.Fail(stderr, exitBatch, "couldn't open batch file %s: %v", def.file, err)
		}
		defer f.Close()
		r = f
	}
	return readBatch(r, def, stdout, stderr, brief)
}

// readBatch reads a batch as dig -f does: each line is a command line
// without "dig" (names, types, @server, +options, dash flags, several
// lookups), read by the command line's parser (parseLine). Blank lines and
// lines that begin with ; or # are skipped (dig skips them only before its
// first lookup, and asks the later ones as names). Each line's first
// lookup opens with the line as its command line; brief: that line alone,
// as dig prints every command line but the first.
func readBatch(r io.Reader, def *options, stdout, stderr io.Writer, brief bool) (out []batchLookup, done bool, code int) {
	g := def.globals
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 || strings.HasPrefix(words[0], ";") || strings.HasPrefix(words[0], "#") {
			continue
		}
		line := *g // the globals the lines above left, for this line to change
		g = &line
		lookups, done, code := parseLine(words, def, g, stdout, stderr)
		if done {
			return nil, true, code
		}
		cmdLine := "; <<>> gdig " + cli.Version + " <<>> " + strings.Join(words, " ")
		for i, o := range lookups {
			out = append(out, batchLookup{o: o, rq: request{cmdLine: cmdLine}, noCmd: i > 0, brief: brief && i == 0})
		}
		brief = true
	}
	if err := sc.Err(); err != nil {
		return nil, true, command.Fail(stderr, exitBatch, "batch file %s: %v", def.file, err)
	}
	return out, false, 0
}

// parseLine reads a batch line's words as dig reads them: its lookups
// start from the command line's default lookup (def), the options before
// its first name are that lookup's alone, and the globals it sets (g, the
// line's copy) hold for the lines after it. A line without a name asks
// for the root's NS, as a command line without one.
func parseLine(words []string, def *options, g *globals, stdout, stderr io.Writer) (_ []*options, done bool, code int) {
	lineDef := def.clone()
	lineDef.globals = g
	first := lineDef.clone()
	ps := &argParser{def: lineDef, cur: first, pending: first}
	if slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, "-") }) {
		saved := *g
		fs := ps.flagSet(g) // declaring the flags sets their defaults
		*g = saved
		if done, code := ps.parse(fs, words, stdout, stderr); done {
			return nil, true, code
		}
		if err := g.check(); err != nil {
			return nil, true, fail(stderr, err)
		}
	} else {
		// The flag set is costly to declare for each of a long batch's
		// lines; words alone need none.
		for _, w := range words {
			if err := ps.word(w, stderr); err != nil {
				return nil, true, fail(stderr, err)
			}
		}
	}
	if len(ps.lookups) == 0 {
		g.serverFirst = first.server != ""
		return []*options{first}, false, 0
	}
	return ps.lookups, false, 0
}

// batchResult is what one lookup printed, and its status.
type batchResult struct {
	i           int
	out, errOut []byte
	code        int
}

// runBatch runs the lookups, conc at most at once, each printing into
// buffers of its own, which are written out in input order (unordered:
// as each lookup ends) with the progress line.
func runBatch(ctx context.Context, items []batchLookup, conc int, unordered bool, stdout, stderr io.Writer) int {
	out := newBatchOutput(stdout, stderr, len(items))
	defer out.end()
	finished := make(chan batchResult, len(items))
	// conc workers, each taking the next lookup in turn: a goroutine per
	// lookup grew its stack anew each time (2% of a batch's CPU).
	var taken atomic.Int64
	for range min(conc, len(items)) {
		go func() {
			for i := int(taken.Add(1) - 1); i < len(items); i = int(taken.Add(1) - 1) {
				r := items[i].run(ctx, i)
				items[i] = batchLookup{} // its options may go: a smaller heap
				finished <- r
			}
		}()
	}
	codes := make([]int, len(items))
	held := map[int]batchResult{}
	next := 0
	for range items {
		r := out.await(finished)
		codes[r.i] = r.code
		if unordered {
			out.write(r.out, r.errOut)
			continue
		}
		held[r.i] = r
		for h, ok := held[next]; ok; h, ok = held[next] {
			out.write(h.out, h.errOut)
			delete(held, next)
			next++
		}
	}
	return lookupsStatus(codes)
}

// run makes the lookup as it would be made without -f, printing into
// buffers.
func (it batchLookup) run(ctx context.Context, i int) batchResult {
	var out, errOut bytes.Buffer
	p := it.o.newPrinter(&out)
	if tp, ok := p.(*textPrinter); ok {
		tp.brief = it.brief
	}
	p.begin(it.o.display(), it.o.sw, it.o.noCmd || it.noCmd)
	code := it.o.run(ctx, it.rq, p, &errOut)
	return batchResult{i: i, out: out.Bytes(), errOut: errOut.Bytes(), code: code}
}

// resolverPool holds a batch's resolvers, one per configuration, so that
// lookups with the same options share a cache, and ask a zone a question
// that several of them need at once only once; and the root servers each
// set of root flags names, read once.
type resolverPool struct {
	mu       sync.Mutex
	m        map[poolKey]*resolver.Resolver
	rootSets map[string]rootSet
}

// poolKey tells a batch's resolvers apart: every setting of
// resolver.Config (TestPoolKey checks that none is left out), roots and
// anchors by identity (they are slices the batch shares: roots, the
// globals). Printing the config into a key cost a batch 5% of its CPU,
// comparing it by reflection 3%.
type poolKey struct {
	Roots                                   *netip.AddrPort
	Port                                    uint16
	Timeout                                 time.Duration
	Tries, MaxQueries, MaxCNAME, MaxNSFetch int
	Deadline                                time.Duration
	V4Only, V6Only                          bool
	BufSize                                 uint16
	DNSSEC, Rand0x20, QMin, Prime           bool
	CacheSize                               int
	Validate                                bool
	Anchors                                 *dns.RR
	Forward                                 netip.AddrPort
}

// keyOf is cfg's poolKey; Events is not in it (a traced lookup has a
// resolver of its own).
func keyOf(cfg resolver.Config) poolKey {
	return poolKey{Roots: first(cfg.Roots), Port: cfg.Port, Timeout: cfg.Timeout, Tries: cfg.Tries, MaxQueries: cfg.MaxQueries,
		MaxCNAME: cfg.MaxCNAME, MaxNSFetch: cfg.MaxNSFetch, Deadline: cfg.Deadline, V4Only: cfg.V4Only, V6Only: cfg.V6Only,
		BufSize: cfg.BufSize, DNSSEC: cfg.DNSSEC, Rand0x20: cfg.Rand0x20, QMin: cfg.QMin, Prime: cfg.Prime, CacheSize: cfg.CacheSize,
		Validate: cfg.Validate, Anchors: first(cfg.Anchors), Forward: cfg.Forward}
}

// first is the address of s's first element; nil when s is empty.
func first[T any](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

type rootSet struct {
	addrs []netip.AddrPort
	err   error
}

// roots is o.readRootAddrs, once per batch for each set of root flags.
func (pool *resolverPool) roots(o *options) ([]netip.AddrPort, error) {
	key := strings.Join(o.roots, "\x00") + "\x00" + o.hints + "\x00" + strconv.Itoa(o.port)
	pool.mu.Lock()
	defer pool.mu.Unlock()
	rs, ok := pool.rootSets[key]
	if !ok {
		rs.addrs, rs.err = o.readRootAddrs()
		if pool.rootSets == nil {
			pool.rootSets = map[string]rootSet{}
		}
		pool.rootSets[key] = rs
	}
	return rs.addrs, rs.err
}

// newResolver is a resolver for cfg: in a batch, the one its lookups of
// the same configuration share; +trace's lookups (cfg.Events) have their
// own, as their steps are theirs alone.
func (o *options) newResolver(cfg resolver.Config) (*resolver.Resolver, error) {
	pool := o.pool
	if pool == nil || cfg.Events != nil {
		return resolver.New(cfg)
	}
	key := keyOf(cfg)
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if r, ok := pool.m[key]; ok {
		return r, nil
	}
	r, err := resolver.New(cfg)
	if err != nil {
		return nil, err
	}
	if pool.m == nil {
		pool.m = map[poolKey]*resolver.Resolver{}
	}
	pool.m[key] = r
	return r, nil
}
