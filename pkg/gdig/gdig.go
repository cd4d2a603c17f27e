// Package gdig is the gdig tool; cmd/gdig is its thin wrapper.
//
// gdig is dig's command line over pkg/resolver: with @server it is a stub
// client like dig; without, it resolves the name itself, iteratively from
// the root servers (the lab's, in every test), and +trace shows every
// step, including the glueless name-server lookups dig +trace cannot do.
package gdig

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

var command = cli.Command{
	Name:     "gdig",
	Synopsis: "[@server] [-p port] [-t type] [-c class] [-x addr] [-4|-6] [--root addr]... name [type] [class] [+options]",
	Summary:  "DNS lookups with dig's output; without @server an iterative resolver that\nwalks from the root itself (+trace shows every step).",
	Extra: `+options: +short +trace +tcp +norecurse +dnssec +nsid +time=N +tries=N +bufsize=N +[no]all
+[no]cmd +[no]comments +[no]question +[no]answer +[no]authority +[no]additional +[no]stats
exit status (dig's): 0 answer (NXDOMAIN included), 1 usage, 9 no reply, 10 internal error.`,
	BadValue: func(f *pflag.Flag, value string) (string, int, bool) {
		if f.Name == "port" {
			return fmt.Sprintf("invalid port number '%s': not a valid number", value), exitUsage, true
		}
		return "", 0, false
	},
}

// dig's exit codes.
const (
	exitUsage    = 1
	exitNoReply  = 9
	exitInternal = 10
)

type options struct {
	common  cli.Common
	port    int
	qtype   string
	qclass  string
	reverse string
	v4, v6  bool
	roots   []string
	hints   string
	server  string
	short   bool
	trace   bool
	tcp     bool
	norec   bool
	timeout time.Duration
	tries   int
	bufsize int
	noCmd   bool
	file    string
	conc    int
	unorder bool
	qmin    bool
	rand0x  bool
	dnssec  bool
	nsid    bool // ask the server to name itself (RFC 5001)
	sw      sections
}

// Run runs gdig with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := options{timeout: 5 * time.Second, tries: 3, bufsize: 1232, sw: allSections}
	var rest []string
	var plus []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "@") && len(a) > 1:
			o.server = a[1:]
		case strings.HasPrefix(a, "+") && len(a) > 1:
			plus = append(plus, a[1:])
		default:
			rest = append(rest, a)
		}
	}
	fs := command.NewFlagSet(&o.common)
	fs.IntVarP(&o.port, "port", "p", 53, "server port")
	fs.StringVarP(&o.qtype, "type", "t", "", "query type (A, AAAA, MX, NS, TXT, SOA, ANY, ...)")
	fs.StringVarP(&o.qclass, "class", "c", "", "query class (IN, CH, HS, ANY; other than IN only with @server)")
	fs.StringVarP(&o.reverse, "reverse", "x", "", "reverse lookup of an address (PTR; an IPv4 prefix such as 10.1 as dig takes it)")
	fs.BoolVarP(&o.v4, "ipv4", "4", false, "IPv4 servers only")
	fs.BoolVarP(&o.v6, "ipv6", "6", false, "IPv6 servers only")
	fs.StringArrayVar(&o.roots, "root", nil, "root server address to start from (repeatable; default: the IANA root servers)")
	fs.StringVar(&o.hints, "root-hints", "", "root hints file (named.root format) to start from")
	fs.StringVarP(&o.file, "file", "f", "", "batch: resolve the \"name [type]\" lines of FILE (- for stdin)")
	fs.IntVar(&o.conc, "concurrency", 64, "batch: lookups at once (one shared cache)")
	fs.BoolVar(&o.unorder, "unordered", false, "batch: print results as they finish, not in input order")
	fs.BoolVar(&o.qmin, "qmin", false, "QNAME minimisation (RFC 9156): each server sees only one label more than its zone")
	fs.BoolVar(&o.rand0x, "0x20", false, "randomise the case of query names and demand it back (spoofing resistance)")
	if done, code := command.Parse(fs, &o.common, rest, stdout, stderr, exitUsage); done {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return code
	}
	for _, p := range plus {
		if err := o.plus(p); err != nil {
			var ee *exitError
			if errors.As(err, &ee) {
				return fail(ee.code, "%s", ee.msg)
			}
			return fail(exitUsage, "%v", err)
		}
	}
	if o.file != "" {
		if o.conc < 1 {
			return fail(exitUsage, "--concurrency must be positive")
		}
		qtype := uint16(dns.TypeA)
		if t := o.flagType(stderr); t != 0 {
			qtype = t
		}
		out := cli.NewLines(stdout)
		var js *cli.NDJSON
		if o.common.JSON {
			js = cli.NewNDJSON(stdout)
		}
		return o.batch(ctx, o.file, stdin, qtype, o.conc, o.unorder, out, js, stderr)
	}
	// As dig: a word that names a type or a class is one, before the name
	// or after it (the first of each); the other word is the name.
	name, qtype, qclass := "", uint16(0), uint16(0)
	for _, a := range fs.Args() {
		if t, ok := parseType(a); ok && qtype == 0 {
			qtype = t
			continue
		}
		if c, ok := parseClass(a); ok && qclass == 0 {
			qclass = c
			continue
		}
		if name != "" {
			return fail(exitUsage, "unexpected argument %q", a)
		}
		name = a
	}
	if t := o.flagType(stderr); t != 0 {
		qtype = t
	}
	if o.qclass != "" {
		if c, ok := parseClass(o.qclass); ok {
			qclass = c
		} else {
			fmt.Fprintf(stderr, ";; Warning, ignoring invalid class %s\n", o.qclass)
		}
	}
	if qclass == 0 {
		qclass = dns.ClassINET
	}
	if o.reverse != "" {
		r, err := reverseName(o.reverse)
		if err != nil {
			return fail(exitUsage, "'%s' is not a legal IPv4 or IPv6 address", o.reverse)
		}
		name, qtype = r, dns.TypePTR
	}
	if name == "" {
		name = "."
		if qtype == 0 {
			qtype = dns.TypeNS
		}
	}
	if qtype == 0 {
		qtype = dns.TypeA
	}
	if o.v4 && o.v6 {
		return fail(exitUsage, "-4 and -6 exclude each other")
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return fail(exitUsage, "'%s' is not a legal name", name)
	}
	out := cli.NewLines(stdout)
	var js *cli.NDJSON
	if o.common.JSON {
		js = cli.NewNDJSON(stdout)
	}
	cmdLine := "; <<>> gdig " + cli.Version + " <<>> " + strings.Join(args, " ")
	if o.server != "" {
		return o.stub(ctx, name, qtype, qclass, cmdLine, out, js, stderr)
	}
	if qclass != dns.ClassINET {
		return fail(exitUsage, "class %s: the resolution from the root is for class IN; ask a server with @server", dns.ClassToString[qclass])
	}
	return o.iterative(ctx, name, qtype, cmdLine, out, js, stderr)
}

// flagType is -t's type, or 0 when -t is not given or names no type (dig
// warns and goes on with the default).
func (o *options) flagType(stderr io.Writer) uint16 {
	if o.qtype == "" {
		return 0
	}
	t, ok := parseType(o.qtype)
	if !ok {
		fmt.Fprintf(stderr, ";; Warning, ignoring invalid type %s\n", o.qtype)
	}
	return t
}

// parseType reads a type mnemonic (MX) or its generic form (TYPE65).
func parseType(s string) (uint16, bool) { return parseMnemonic(s, dns.StringToType, "TYPE") }

// parseClass reads a class mnemonic (IN, CH) or its generic form (CLASS3).
func parseClass(s string) (uint16, bool) { return parseMnemonic(s, dns.StringToClass, "CLASS") }

// parseMnemonic reads a name from table, or RFC 3597's generic form:
// prefix and a number.
func parseMnemonic(s string, table map[string]uint16, prefix string) (uint16, bool) {
	u := strings.ToUpper(s)
	if v, ok := table[u]; ok {
		return v, true
	}
	if num, ok := strings.CutPrefix(u, prefix); ok {
		if n, err := strconv.ParseUint(num, 10, 16); err == nil {
			return uint16(n), true
		}
	}
	return 0, false
}

// reverseName is -x's name: an address's in-addr.arpa or ip6.arpa name,
// or, as dig takes them, the first one to three octets of an IPv4 address
// (10.1 -> 1.10.in-addr.arpa.).
func reverseName(addr string) (string, error) {
	if r, err := dns.ReverseAddr(addr); err == nil {
		return r, nil
	}
	octets := strings.Split(addr, ".")
	if len(octets) > 3 {
		return "", fmt.Errorf("bad address %s", addr)
	}
	var b strings.Builder
	for i := len(octets) - 1; i >= 0; i-- {
		if n, err := strconv.ParseUint(octets[i], 10, 8); err != nil || strconv.FormatUint(n, 10) != octets[i] {
			return "", fmt.Errorf("bad address %s", addr)
		}
		b.WriteString(octets[i] + ".")
	}
	return b.String() + "in-addr.arpa.", nil
}

func (o *options) plus(p string) error {
	key, val, _ := strings.Cut(p, "=")
	n, _ := strconv.Atoi(val)
	switch key {
	case "short":
		o.short = true
	case "trace":
		o.trace = true
	case "tcp", "vc":
		o.tcp = true
	case "norecurse", "norec":
		o.norec = true
	case "recurse", "rec", "notrace", "noshort", "notcp", "cmd":
	case "nocmd":
		o.noCmd = true
		o.sw.cmd = false
	case "time":
		// dig silently takes a time below 1 s as 1 s, and fewer tries
		// than one as one.
		o.timeout = time.Duration(max(n, 1)) * time.Second
	case "tries", "retry":
		if key == "retry" {
			n++ // +retry counts the tries after the first
		}
		o.tries = max(n, 1)
	case "bufsize":
		if n < 0 || n > 65535 {
			return &exitError{exitInternal, fmt.Sprintf("invalid buffer size '%s': out of range", val)}
		}
		o.bufsize = n
	case "nsid":
		o.nsid = true
	case "nonsid":
		o.nsid = false
	case "dnssec":
		o.dnssec = true
	case "nodnssec":
		o.dnssec = false
	case "noall", "all":
		on := key == "all"
		o.sw = sections{on, on, on, on, on, on, on}
	case "comments", "nocomments", "question", "noquestion", "answer", "noanswer", "authority", "noauthority",
		"additional", "noadditional", "stats", "nostats":
		on := !strings.HasPrefix(key, "no")
		switch strings.TrimPrefix(key, "no") {
		case "comments":
			o.sw.comments = on
		case "question":
			o.sw.question = on
		case "answer":
			o.sw.answer = on
		case "authority":
			o.sw.authority = on
		case "additional":
			o.sw.additional = on
		case "stats":
			o.sw.stats = on
		}
	case "nocookie", "cookie", "json", "yaml":
		if key == "json" || key == "yaml" {
			o.common.JSON = true
		}
	default:
		return errInvalidOption(p)
	}
	return nil
}

// stub asks one server, as dig @server does.
func (o *options) stub(ctx context.Context, name string, qtype, qclass uint16, cmdLine string, out *cli.Lines, js *cli.NDJSON, stderr io.Writer) int {
	host := o.server
	addr, err := netip.ParseAddr(host)
	if err != nil {
		fam := cli.AnyFamily
		if o.v6 {
			fam = cli.IPv6Only
		} else if o.v4 {
			fam = cli.IPv4Only
		}
		if addr, err = cli.Resolve(ctx, host, fam); err != nil {
			cli.Errorf(stderr, command.Name, "couldn't get address for '%s': not found", host)
			return exitUsage
		}
	}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.Question[0].Qclass = qclass
	q.RecursionDesired = !o.norec
	q.SetEdns0(uint16(o.bufsize), o.dnssec)
	if o.nsid {
		opt := q.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}
	network := "udp"
	if o.tcp {
		network = "tcp"
	}
	target := net.JoinHostPort(addr.String(), strconv.Itoa(o.port))
	var resp *dns.Msg
	var rtt time.Duration
	for try := 0; try < o.tries; try++ {
		c := &dns.Client{Net: network, Timeout: o.timeout, UDPSize: uint16(o.bufsize)}
		resp, rtt, err = c.ExchangeContext(ctx, q, target)
		if err == nil && resp.Truncated && network == "udp" {
			network = "tcp"
			try--
			continue
		}
		if err == nil {
			break
		}
		if js == nil {
			// As dig, a line for every try that failed, and why.
			if network == "tcp" {
				// dig 9.18 gives up on the server each time, in so many words.
				out.Printf(";; Connection to %s#%d(%s) for %s failed: %s.", addr, o.port, host, name, commError(err))
				out.Printf(";; no servers could be reached")
			} else {
				out.Printf(";; communications error to %s#%d: %s", addr, o.port, commError(err))
			}
		}
	}
	if err != nil {
		if js != nil {
			_ = js.Emit(map[string]any{"type": "error", "server": target, "error": err.Error()})
			return exitNoReply
		}
		if network == "tcp" {
			return exitNoReply // said after each try
		}
		if !o.short && !o.noCmd && o.sw.cmd {
			o.printCmd(out, cmdLine, true)
		}
		out.Printf(";; no servers could be reached")
		return exitNoReply
	}
	o.print(out, js, resp, rtt, fmt.Sprintf("%s#%d(%s) (%s)", addr, o.port, host, strings.ToUpper(network)), cmdLine, true, 0)
	return cli.ExitOK
}

// printCmd prints dig's opening lines: the command and the global options.
func (o *options) printCmd(out *cli.Lines, cmdLine string, serverFound bool) {
	out.Printf("")
	out.Printf("%s", cmdLine)
	if serverFound {
		out.Printf("; (1 server found)")
	}
	out.Printf(";; global options: +cmd")
}

// commError is dig's word for why a query got no answer.
func commError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	}
	return err.Error()
}

// print renders a final response in dig's layout (or +short, or JSON).
func (o *options) print(out *cli.Lines, js *cli.NDJSON, m *dns.Msg, rtt time.Duration, server, cmdLine string, serverFound bool, queries int) {
	if js != nil {
		_ = js.Emit(messageJSON(m, server, rtt, queries))
		return
	}
	if o.short {
		text := shortText(m)
		if text != "" {
			_, _ = io.WriteString(out, text)
		}
		return
	}
	if !o.noCmd && o.sw.cmd {
		o.printCmd(out, cmdLine, serverFound)
	}
	if o.sw.comments {
		out.Printf(";; Got answer:")
	}
	_, _ = io.WriteString(out, sectionText(m, o.sw))
	if !o.sw.stats {
		if o.sw.comments {
			out.Printf("") // dig closes the sections with a blank line
		}
		return
	}
	out.Printf("")
	out.Printf(";; Query time: %d msec", rtt.Milliseconds())
	if queries > 0 {
		out.Printf(";; QUERIES: %d, resolved iteratively from the root", queries)
	}
	out.Printf(";; SERVER: %s", server)
	out.Printf(";; WHEN: %s", time.Now().Format("Mon Jan 02 15:04:05 MST 2006"))
	// The size as received: servers compress names, so pack compressed.
	c := m.Copy()
	c.Compress = true
	packed, _ := c.Pack()
	out.Printf(";; MSG SIZE  rcvd: %d", len(packed))
	out.Printf("")
}

// iterative resolves from the root.
func (o *options) iterative(ctx context.Context, name string, qtype uint16, cmdLine string, out *cli.Lines, js *cli.NDJSON, stderr io.Writer) int {
	roots, err := o.rootAddrs()
	if err != nil {
		cli.Errorf(stderr, command.Name, "%v", err)
		return exitUsage
	}
	cfg := o.resolverConfig(roots)
	if o.trace {
		if js == nil && !o.noCmd {
			out.Printf("")
			out.Printf("%s", cmdLine)
			out.Printf(";; global options: +cmd")
		}
		cfg.Events = func(e resolver.Event) { traceEvent(out, js, e) }
	}
	r, err := resolver.New(cfg)
	if err != nil {
		cli.Errorf(stderr, command.Name, "%v", err)
		return exitInternal
	}
	start := time.Now()
	res, err := r.Resolve(ctx, name, qtype)
	if err != nil {
		if js != nil {
			_ = js.Emit(map[string]any{"type": "error", "name": dns.Fqdn(name), "error": err.Error()})
		} else {
			out.Printf(";; resolution of %s %s failed: %v", dns.Fqdn(name), dns.TypeToString[qtype], err)
		}
		if errors.Is(err, resolver.ErrServFail) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, resolver.ErrNoServers) {
			return exitNoReply
		}
		return exitInternal
	}
	if o.trace && js == nil {
		return cli.ExitOK // the last step printed the answer
	}
	server := fmt.Sprintf("%s#%d(%s) (UDP)", res.Server.Addr(), res.Server.Port(), res.Server.Addr())
	if !res.Server.IsValid() {
		server = "(cache)"
	}
	o.print(out, js, res.Msg, time.Since(start), server, cmdLine, false, res.Queries)
	return cli.ExitOK
}

// traceEvent prints one resolver step as dig +trace does: the records a
// server sent and who sent them; nested lookups indented.
func traceEvent(out *cli.Lines, js *cli.NDJSON, e resolver.Event) {
	if js != nil {
		obj := map[string]any{"type": "trace", "kind": e.Kind, "depth": e.Depth, "zone": e.Zone, "qname": e.QName}
		if e.Server.IsValid() {
			obj["server"] = e.Server.String()
		}
		if e.RTT > 0 {
			obj["rtt_ms"] = cli.Millis(e.RTT)
		}
		if e.Note != "" {
			obj["note"] = e.Note
		}
		_ = js.Emit(obj)
		return
	}
	indent := strings.Repeat("  ", e.Depth)
	who := e.Server.Addr().String()
	if e.Name != "" {
		who = strings.TrimSuffix(e.Name, ".")
	}
	switch e.Kind {
	case "response":
		// As dig +trace: the answer and authority sections (no glue).
		for _, rr := range append(append([]dns.RR{}, e.Msg.Answer...), e.Msg.Ns...) {
			out.Printf("%s%s", indent, rrString(rr))
		}
		out.Printf("%s;; Received %d bytes from %s#%d(%s) in %d ms", indent, e.Size, e.Server.Addr(), e.Server.Port(), who, e.RTT.Milliseconds())
		out.Printf("")
	case "timeout":
		out.Printf("%s;; no answer from %s#%d(%s) for %s: %s", indent, e.Server.Addr(), e.Server.Port(), who, e.QName, e.Note)
	case "lame":
		out.Printf("%s;; lame answer from %s#%d(%s) for %s: %s", indent, e.Server.Addr(), e.Server.Port(), who, e.QName, e.Note)
	case "glueless":
		out.Printf("%s;; no glue for %s: looking up its %s", indent, e.QName, e.QType)
	case "tcp_retry":
		out.Printf("%s;; truncated answer from %s#%d(%s), retrying over TCP", indent, e.Server.Addr(), e.Server.Port(), who)
	}
}

// rootAddrs are the root servers: --root, --root-hints, or the built-in
// hints.
func (o *options) rootAddrs() ([]netip.AddrPort, error) {
	var addrs []string
	addrs = append(addrs, o.roots...)
	if o.hints != "" {
		f, err := os.Open(o.hints)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		hs, err := parseHints(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", o.hints, err)
		}
		addrs = append(addrs, hs...)
	}
	if len(addrs) == 0 {
		addrs = builtinRoots
	}
	var out []netip.AddrPort
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("bad root server address %q", a)
		}
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(o.port)))
	}
	return out, nil
}

// parseHints reads the A and AAAA records of a named.root-style file.
func parseHints(r io.Reader) ([]string, error) {
	var out []string
	zp := dns.NewZoneParser(bufio.NewReader(r), ".", "hints")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch a := rr.(type) {
		case *dns.A:
			out = append(out, a.A.String())
		case *dns.AAAA:
			out = append(out, a.AAAA.String())
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no root server addresses in the hints")
	}
	return out, nil
}

// rrJSON is one resource record with RFC 8427's member names: the numeric
// fields, their names, RDATAHEX (the wire form of the data) and the data in
// presentation format as rdata<TYPE> (rdataA, rdataMX, ...); "rdata" holds
// the same text under one name for every type, for jq.
func rrJSON(rr dns.RR) map[string]any {
	h := rr.Header()
	f := strings.SplitN(rr.String(), "\t", 5)
	data := ""
	if len(f) == 5 {
		data = f[4]
	}
	obj := map[string]any{"NAME": h.Name, "TYPE": h.Rrtype, "TYPEname": dns.TypeToString[h.Rrtype], "CLASS": h.Class,
		"CLASSname": dns.ClassToString[h.Class], "TTL": h.Ttl, "rdata": data}
	if name, ok := dns.TypeToString[h.Rrtype]; ok {
		obj["rdata"+name] = data
	}
	// Packed without name compression, the data follows the owner name and
	// the 10 bytes of type, class, TTL and RDLENGTH.
	buf := make([]byte, dns.Len(rr)+256)
	end, err := dns.PackRR(rr, buf, 0, nil, false)
	nameEnd, err2 := dns.PackDomainName(h.Name, make([]byte, 256), 0, nil, false)
	if err == nil && err2 == nil && nameEnd+10 <= end {
		obj["RDLENGTH"], obj["RDATAHEX"] = end-nameEnd-10, strings.ToUpper(hex.EncodeToString(buf[nameEnd+10:end]))
	}
	return obj
}

// messageJSON names the message's fields as RFC 8427 does.
func messageJSON(m *dns.Msg, server string, rtt time.Duration, queries int) map[string]any {
	rrs := func(list []dns.RR) []map[string]any {
		out := []map[string]any{} // [] rather than null for an empty section
		for _, rr := range list {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			out = append(out, rrJSON(rr))
		}
		return out
	}
	obj := map[string]any{"type": "answer", "ID": m.Id, "QR": m.Response, "AA": m.Authoritative, "TC": m.Truncated, "RD": m.RecursionDesired, "RA": m.RecursionAvailable,
		"RCODEname": dns.RcodeToString[m.Rcode], "QDCOUNT": len(m.Question), "ANCOUNT": len(m.Answer), "NSCOUNT": len(m.Ns), "ARCOUNT": len(m.Extra),
		"answerRRs": rrs(m.Answer), "authorityRRs": rrs(m.Ns), "additionalRRs": rrs(m.Extra), "server": server, "query_time_ms": cli.Millis(rtt)}
	if len(m.Question) > 0 {
		obj["QNAME"], obj["QTYPEname"] = m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype]
	}
	if queries > 0 {
		obj["queries"] = queries
	}
	return obj
}

// exitError is an argument error dig ends with a status other than 1.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// errInvalidOption is dig's message for an unknown +option.
func errInvalidOption(p string) error {
	//lint:ignore ST1005 dig's words
	return fmt.Errorf("Invalid option: +%s", p)
}

// resolverConfig is the resolver the flags ask for.
func (o *options) resolverConfig(roots []netip.AddrPort) resolver.Config {
	return resolver.Config{Roots: roots, Port: uint16(o.port), Timeout: o.timeout / time.Duration(max(o.tries, 1)), V4Only: o.v4, V6Only: o.v6,
		BufSize: uint16(o.bufsize), DNSSEC: o.dnssec, QMin: o.qmin, Rand0x20: o.rand0x}
}
