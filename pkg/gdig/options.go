package gdig

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/cli"
)

// options is the command line as given: flags, @server and +options.
type options struct {
	common   cli.Common
	port     int
	qtype    string
	qclass   string
	reverse  string
	family   cli.FamilyFlags
	roots    []string
	hints    string
	server   string
	short    bool
	trace    bool
	tcp      bool
	norec    bool
	timeout  time.Duration
	tries    int
	triesSet bool // +tries or +retry given: the resolver keeps its own count otherwise
	bufsize  int
	noCmd    bool
	file     string
	conc     int
	cache    int // --cache-size
	unorder  bool
	qmin     bool
	rand0x   bool
	dnssec   bool
	nsid     bool // ask the server to name itself (RFC 5001)
	cookie   bool // send a DNS COOKIE (RFC 7873) with a stub's queries, as dig does by default
	sw       sections
	dnssecOptions
	transportOptions
}

// parseArgs reads the command line: dig's @server and +options among the
// flags and the words. done: Run returns code now (help, version, or a
// refusal already reported).
func parseArgs(args []string, stdout, stderr io.Writer) (o *options, words []string, done bool, code int) {
	o = &options{timeout: 5 * time.Second, tries: 3, bufsize: 1232, sw: allSections, cookie: true}
	var rest, plus []string
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
	o.family.Add(fs, "IPv4 servers only", "IPv6 servers only")
	fs.StringArrayVar(&o.roots, "root", nil, "root server address to start from (repeatable; default: the IANA root servers)")
	fs.StringVar(&o.hints, "root-hints", "", "root hints file (named.root format) to start from")
	fs.StringVarP(&o.file, "file", "f", "", "batch: resolve the \"name [type]\" lines of FILE (- for stdin)")
	fs.IntVar(&o.conc, "concurrency", 64, "batch: lookups at once (one shared cache)")
	fs.BoolVar(&o.unorder, "unordered", false, "batch: print results as they finish, not in input order")
	fs.IntVar(&o.cache, "cache-size", 10000, "answers (and delegations) cached at most, the least recently used evicted first")
	fs.BoolVar(&o.qmin, "qmin", true, "QNAME minimisation (RFC 9156), on as in unbound (--qmin=false: servers see the whole name)")
	fs.BoolVar(&o.rand0x, "0x20", false, "randomise the case of query names and demand it back (spoofing resistance)")
	cli.Values(fs, "type", queryTypes...)
	cli.Values(fs, "class", queryClasses...)
	o.addDNSSECFlags(fs)
	o.addTransportFlags(fs)
	if done, code := command.Parse(fs, &o.common, rest, stdout, stderr, exitUsage); done {
		return nil, nil, true, code
	}
	if o.cache < 1 {
		return nil, nil, true, fail(stderr, errors.New("--cache-size must be positive"))
	}
	for _, p := range plus {
		if err := o.plus(p); err != nil {
			return nil, nil, true, fail(stderr, err)
		}
	}
	return o, fs.Args(), false, 0
}

// plus applies one +option (without its +).
func (o *options) plus(p string) error {
	key, val, hasVal := strings.Cut(p, "=")
	n, err := plusNumber(key, val, hasVal)
	if err != nil {
		return err
	}
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
		o.tries, o.triesSet = max(n, 1), true
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
		o.sw.set(strings.TrimPrefix(key, "no"), !strings.HasPrefix(key, "no"))
	case "nocookie", "cookie":
		o.cookie = key == "cookie"
	case "json":
		o.common.JSON = true
	case "yaml":
		// dig prints YAML; gdig does not, and prints no JSON in its place.
		return &exitError{exitUsage, "+yaml is not supported: use --json (NDJSON, RFC 8427 names)"}
	default:
		if o.dnssecPlus(key, val, hasVal) || o.transportPlus(key, val, hasVal) {
			return nil
		}
		return errInvalidOption(p)
	}
	return nil
}

// plusWords are dig's names for the numbers of +time, +tries, +retry and
// +bufsize in its refusals.
var plusWords = map[string]string{"time": "timeout", "tries": "tries", "retry": "retries", "bufsize": "buffer size"}

// plusNumber reads the number of a numeric +option, refused as dig
// refuses it: "+time=" is no option (status 1), "+time=abc" no number
// (status 10).
func plusNumber(key, val string, hasVal bool) (int, error) {
	word, numeric := plusWords[key]
	if !numeric || !hasVal {
		return 0, nil
	}
	if val == "" {
		return 0, errInvalidOption(key)
	}
	n, err := strconv.ParseUint(val, 10, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, &exitError{exitInternal, fmt.Sprintf("invalid %s '%s': out of range", word, val)}
	case err != nil:
		return 0, &exitError{exitInternal, fmt.Sprintf("invalid %s '%s': not a valid number", word, val)}
	}
	return int(min(n, 1<<20)), nil
}

// errInvalidOption is dig's message for an unknown +option.
func errInvalidOption(p string) error {
	//lint:ignore ST1005 dig's words
	return fmt.Errorf("Invalid option: +%s", p)
}
