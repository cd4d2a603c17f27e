package gdig

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// exitBatch is dig's exit code for a batch file it cannot open.
const exitBatch = 8

// query is one line of a batch: a name and a type.
type query struct {
	name  string
	qtype uint16
}

// readBatch reads "name [type]" lines; blank lines and ; comments skipped.
func readBatch(r io.Reader, defType uint16) ([]query, error) {
	var out []query
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		q := query{name: f[0], qtype: defType}
		if len(f) > 1 {
			t, ok := dns.StringToType[strings.ToUpper(f[1])]
			if !ok {
				return nil, fmt.Errorf("line %q: invalid type %s", line, f[1])
			}
			q.qtype = t
		}
		if _, ok := dns.IsDomainName(q.name); !ok {
			return nil, fmt.Errorf("line %q: not a legal name", line)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// readBatchFile reads the batch from file, or from stdin for "-".
func readBatchFile(file string, stdin io.Reader, defType uint16) ([]query, error) {
	if file == "-" {
		return readBatch(stdin, defType)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("couldn't open batch file %s: %v", file, err)
	}
	defer f.Close()
	return readBatch(f, defType)
}

// batchResult is one line's outcome.
type batchResult struct {
	msg    *dns.Msg
	rtt    time.Duration
	err    error
	server string
}

// batch resolves many names with a bounded number at once, sharing one
// resolver (and its cache), and prints the results in input order unless
// unordered.
func (o *options) batch(ctx context.Context, job batchJob, stdin io.Reader, p printer, stderr io.Writer) int {
	queries, err := readBatchFile(job.file, stdin, job.qtype)
	if err != nil {
		return command.Fail(stderr, exitBatch, "%v", err)
	}
	p, end := withProgress(p, stderr, len(queries))
	defer end()
	lookup := o.askStub
	if o.server == "" {
		roots, err := o.rootAddrs()
		if err != nil {
			return command.Fail(stderr, exitUsage, "%v", err)
		}
		r, err := resolver.New(o.resolverConfig(roots))
		if err != nil {
			return command.Fail(stderr, exitInternal, "%v", err)
		}
		lookup = resolveWith(r)
	}
	if failed := runBatch(ctx, queries, job, lookup, p); failed > 0 {
		return exitNoReply
	}
	return cli.ExitOK
}

// runBatch looks up every query, job.concurrency at most at once, and
// prints each result; it returns how many failed.
func runBatch(ctx context.Context, queries []query, job batchJob, lookup func(context.Context, query) batchResult, p printer) int {
	results := make([]chan batchResult, len(queries))
	for i := range results {
		results[i] = make(chan batchResult, 1)
	}
	sem := make(chan struct{}, job.concurrency)
	var wg sync.WaitGroup
	var printMu sync.Mutex
	failed := 0
	show := func(q query, rs batchResult) {
		printMu.Lock()
		defer printMu.Unlock()
		if rs.err != nil {
			failed++
			p.batchFailed(q, rs.err)
			return
		}
		cmdLine := "; <<>> gdig " + cli.Version + " <<>> " + q.name + " " + dns.TypeToString[q.qtype]
		p.answer(reply{msg: rs.msg, rtt: rs.rtt, server: rs.server, cmdLine: cmdLine})
	}
	for i, q := range queries {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, q query) {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			rs := lookup(ctx, q)
			rs.rtt = time.Since(start)
			if job.unordered {
				show(q, rs)
				return
			}
			results[i] <- rs
		}(i, q)
	}
	if !job.unordered {
		for i, q := range queries {
			show(q, <-results[i])
		}
	}
	wg.Wait()
	return failed
}

// resolveWith is a batch lookup from the root with r.
func resolveWith(r *resolver.Resolver) func(context.Context, query) batchResult {
	return func(ctx context.Context, q query) batchResult {
		res, err := r.Resolve(ctx, q.name, q.qtype)
		if res == nil {
			return batchResult{err: err}
		}
		// A failed resolution answers SERVFAIL: an answer, not a failure.
		return batchResult{msg: res.Msg, server: resolvedBy(res, err)}
	}
}

// askStub is a batch lookup at the @server, with dig's retries and TCP on
// TC.
func (o *options) askStub(ctx context.Context, q query) batchResult {
	target := net.JoinHostPort(o.server, strconv.Itoa(o.port))
	resp, _, _, err := o.exchange(ctx, o.query(q.name, q.qtype), target, stubHooks{})
	return batchResult{msg: resp, err: err, server: fmt.Sprintf("%s#%d(%s) (UDP)", o.server, o.port, o.server)}
}
