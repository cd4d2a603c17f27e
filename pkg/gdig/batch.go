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

// batch resolves many names with a bounded number at once, sharing one
// resolver (and its cache), and prints the results in input order unless
// unordered.
func (o *options) batch(ctx context.Context, file string, stdin io.Reader, defType uint16, concurrency int, unordered bool, out *cli.Lines, js *cli.NDJSON, stderr io.Writer) int {
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			cli.Errorf(stderr, command.Name, "couldn't open batch file %s: %v", file, err)
			return exitBatch
		}
		defer f.Close()
		r = f
	}
	queries, err := readBatch(r, defType)
	if err != nil {
		cli.Errorf(stderr, command.Name, "%v", err)
		return exitBatch
	}
	var res *resolver.Resolver
	if o.server == "" {
		roots, err := o.rootAddrs()
		if err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return exitUsage
		}
		if res, err = resolver.New(o.resolverConfig(roots)); err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return exitInternal
		}
	}
	type result struct {
		msg    *dns.Msg
		rtt    time.Duration
		err    error
		server string
	}
	results := make([]chan result, len(queries))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var printMu sync.Mutex
	failed := 0
	show := func(i int, rs result) {
		printMu.Lock()
		defer printMu.Unlock()
		q := queries[i]
		if rs.err != nil {
			failed++
			if js != nil {
				_ = js.Emit(map[string]any{"type": "error", "name": dns.Fqdn(q.name), "qtype": dns.TypeToString[q.qtype], "error": rs.err.Error()})
			} else {
				out.Printf(";; %s %s: %v", dns.Fqdn(q.name), dns.TypeToString[q.qtype], rs.err)
			}
			return
		}
		o.print(out, js, rs.msg, rs.rtt, rs.server, "; <<>> gdig "+cli.Version+" <<>> "+q.name+" "+dns.TypeToString[q.qtype], false, 0)
	}
	for i, q := range queries {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, q query) {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			var rs result
			if res != nil {
				var rr *resolver.Result
				rr, rs.err = res.Resolve(ctx, q.name, q.qtype)
				if rr != nil {
					rs.msg = rr.Msg
					rs.server = fmt.Sprintf("%s#%d(%s) (UDP)", rr.Server.Addr(), rr.Server.Port(), rr.Server.Addr())
					if !rr.Server.IsValid() {
						rs.server = "(cache)"
					}
				}
			} else {
				rs.msg, rs.err = o.ask(ctx, q.name, q.qtype)
				rs.server = fmt.Sprintf("%s#%d(%s) (UDP)", o.server, o.port, o.server)
			}
			rs.rtt = time.Since(start)
			if unordered {
				show(i, rs)
				return
			}
			results[i] <- rs
		}(i, q)
	}
	if !unordered {
		for i := range queries {
			show(i, <-results[i])
		}
	}
	wg.Wait()
	if failed > 0 {
		return exitNoReply
	}
	return cli.ExitOK
}

// ask is one stub query to the @server, with dig's retries and TCP on TC.
func (o *options) ask(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.RecursionDesired = !o.norec
	q.SetEdns0(uint16(o.bufsize), o.dnssec)
	network := "udp"
	if o.tcp {
		network = "tcp"
	}
	target := net.JoinHostPort(o.server, strconv.Itoa(o.port))
	var err error
	for try := 0; try < o.tries; try++ {
		c := &dns.Client{Net: network, Timeout: o.timeout, UDPSize: uint16(o.bufsize)}
		var resp *dns.Msg
		resp, _, err = c.ExchangeContext(ctx, q, target)
		if err == nil && resp.Truncated && network == "udp" {
			network = "tcp"
			try--
			continue
		}
		if err == nil {
			return resp, nil
		}
	}
	return nil, err
}
