package gdig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/tui"
)

// globals are what dig applies to every lookup of a command line: the
// dash flags other than -t, -c, -x and -q, which belong to a lookup.
type globals struct {
	common  cli.Common
	port    int
	family  cli.FamilyFlags
	roots   []string
	hints   string
	file    string
	conc    int
	cache   int // --cache-size
	unorder bool
	qmin    bool
	rand0x  bool
	noRC    bool   // -r: no ~/.digrc
	usec    bool   // -u: times in microseconds
	bind    string // -b address[#port]
	keyFile string // -k
	keyText string // -y [hmac:]name:key
	memDbg  bool   // -m: accepted, as dig's memory debugging prints nothing a user reads
	version bool   // -v
	tsig    *tsigKey
	// The DNSSEC validation and the encrypted transport (validate.go,
	// transport.go) hold for every lookup of a command line.
	dnssecOptions
	transportOptions
	// pool: a batch's resolvers, shared by its lookups (batch.go).
	pool *resolverPool
	// +short and +cmd are global in dig: the last one given counts for
	// every lookup.
	short bool
	noCmd bool
	// The search list (search.go) is global in dig too: +search,
	// +showsearch, +domain and +ndots (-1: resolv.conf's).
	search, showSearch bool
	domain             string
	ndots              int
	// serverFirst: an @server came before the first name, so dig's
	// opening lines count it ("; (1 server found)").
	serverFirst bool
	// keepOpen: +keepopen, global in dig (its keep_open): the lookups'
	// TCP connections are kept in kept and reused (keepopen.go).
	keepOpen bool
	kept     *keptConns
}

// options are one lookup's: dig's query options (the +options and -t, -c,
// -x, -q, @server) over the globals. A lookup starts as a copy of the
// options given before the first name (dig's default lookup), then takes
// what follows its name.
type options struct {
	*globals
	name    string // the word that named the lookup; "" for the default
	named   bool   // a name (or -x, -q) made this lookup
	qtype   string
	qclass  string
	reverse string
	server  string
	// nextServer: the lookup's own @server when one came before the
	// first name too: dig asks that one's addresses first, this one's
	// after them (stubServers).
	nextServer string
	trace      bool
	tcp        bool
	tcpSet     bool // +[no]tcp given: dig asks ANY over TCP unless it is
	norec      bool
	timeout    time.Duration
	tries      int
	// triesSet: +tries or +retry given; the resolver keeps its own count
	// otherwise (iterative.go).
	triesSet bool
	// noFail: +nofail, a SERVFAIL answer sends the query on to the next
	// server. bestEffort: +besteffort, an answer cut short is printed
	// as far as it reads (lenient.go).
	noFail, bestEffort bool
	bufsize            int
	dnssec             bool
	nsid               bool // ask the server to name itself (RFC 5001)
	cookie             bool // send a DNS COOKIE (RFC 7873) with a stub's queries, as dig does by default
	cookieV            string
	// noBadCookie: +nobadcookie, a BADCOOKIE answer is the answer;
	// showBadCookie: +showbadcookie, it is printed before asking again.
	noBadCookie, showBadCookie bool
	// noEdnsNeg: +noednsnegotiation, a BADVERS answer is the answer.
	noEdnsNeg bool
	// nssearch: +nssearch, the SOA from each of the zone's servers
	// (nssearch.go).
	nssearch bool
	// dns64Asked: +dns64prefix was just given; the parser starts its
	// lookup (dns64.go).
	dns64Asked bool
	// idnin, idnout: names converted to A-labels and back (idn.go).
	idnin, idnout bool
	// timeSet: +time or +timeout given; the resolver keeps its own RTO
	// ceiling otherwise (iterative.go).
	timeSet bool
	sw      sections
	q       queryBits
	disp    display
}

// queryBits are what the +options set in the query itself.
type queryBits struct {
	aa, ad, cd, ra, tc, z bool
	opcode                int
	qid                   int // -1: random
	edns                  int // EDNS version; -1: +noedns
	ednsFlags             uint16
	ednsOpts              []ednsOpt
	subnet                string
	padding               int
	expire, keepalive     bool
	coflag                bool
	headerOnly            bool
	ignoreTC              bool
}

// ednsOpt is one +ednsopt=code[:hex].
type ednsOpt struct {
	code uint16
	data []byte
}

// display are the +options that change how records and answers print.
type display struct {
	short, identify, multiline, noClass, noTTL, ttlUnits bool
	rrComments, unknown, noCrypto, expandAAAA, onesoa    bool
	qr, rrCommentsSet, ednsSent                          bool
	// serverFirst: dig's opening lines count the @server (globals').
	serverFirst bool
	// dns64: +dns64prefix's lookup, printed as its prefixes (dns64.go).
	dns64 bool
	split int // hex and base64 chunk width; 0: none
	usec  bool
	// idnout: owner names decoded before their columns (idn.go).
	idnout bool
}

// defaults is dig's default lookup before any option.
func defaults(g *globals) *options {
	return &options{globals: g, timeout: 5 * time.Second, tries: 3, bufsize: 1232, sw: allSections, cookie: true,
		q: queryBits{ad: true, qid: -1}, disp: display{split: 56}}
}

// clone is a new lookup from o, sharing the globals.
func (o *options) clone() *options {
	c := *o
	c.q.ednsOpts = slices.Clone(o.q.ednsOpts)
	return &c
}

// parseArgs reads the command line as dig does: ~/.digrc's options first
// (unless -r), then the arguments in order, where a name starts a lookup
// and the options after it are its own. def is dig's default lookup, the
// options before the first name, which a batch file's lines start from;
// lookups is empty when no name was given. done: Run returns code now
// (help, version, or a refusal already reported).
func parseArgs(args []string, stdout, stderr io.Writer) (lookups []*options, def *options, done bool, code int) {
	g := &globals{ndots: -1, kept: &keptConns{}}
	def = defaults(g)
	// dig converts IDN names by default when its output is a terminal.
	def.idnin = tui.IsTerminal(stdout)
	def.idnout = def.idnin
	ps := &argParser{def: def, cur: def}
	fs := ps.flagSet(g)
	if !slices.Contains(args, "-r") {
		rc, err := readDigrc()
		if err != nil {
			return nil, nil, true, fail(stderr, err)
		}
		ps.rc = true
		if done, code := ps.parse(fs, rc, stdout, stderr); done {
			return nil, nil, true, code
		}
		ps.rc = false
	}
	if done, code := ps.parse(fs, args, stdout, stderr); done {
		return nil, nil, true, code
	}
	if g.version {
		fmt.Fprintf(stderr, "gdig (gnetutils) %s\n", cli.Version)
		return nil, nil, true, cli.ExitOK
	}
	if err := g.check(); err != nil {
		return nil, nil, true, fail(stderr, err)
	}
	if len(ps.lookups) == 0 {
		g.serverFirst = def.server != ""
	}
	return ps.lookups, def, false, 0
}

// check validates the globals.
func (g *globals) check() error {
	if g.cache < 1 {
		return errors.New("--cache-size must be positive")
	}
	key, err := loadTSIG(g.keyText, g.keyFile)
	g.tsig = key
	return err
}

// readDigrc is ~/.digrc's words, none if there is no such file.
func readDigrc() ([]string, error) {
	home := os.Getenv("HOME")
	if home == "" {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(home, ".digrc"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return strings.Fields(string(b)), err
}

// argParser walks the arguments in order, keeping the lookup that the
// options it meets belong to.
type argParser struct {
	def, cur *options
	lookups  []*options
	rc       bool // reading ~/.digrc: options only, as dig ignores names there
	// pending is a batch line's lookup before its first name: the options
	// that precede the name are that lookup's alone, as dig reads -f.
	pending *options
}

// flagSet declares dig's dash flags. -t, -c, -x and -q act on the lookup
// they follow (lookupFlag), the others on every lookup.
func (ps *argParser) flagSet(g *globals) *pflag.FlagSet {
	fs := command.NewFlagSet(&g.common)
	fs.SetInterspersed(false) // each word is handled in order, by parse
	fs.IntVarP(&g.port, "port", "p", 53, "server port")
	fs.VarP(lookupFlag{ps, "type"}, "type", "t", "query type (A, AAAA, MX, ..., ixfr=SERIAL); after a name, that lookup's")
	fs.VarP(lookupFlag{ps, "class"}, "class", "c", "query class (IN, CH, HS, ANY; other than IN only with @server)")
	fs.VarP(lookupFlag{ps, "reverse"}, "reverse", "x", "reverse lookup of an address (PTR; an IPv4 prefix such as 10.1 as dig takes it)")
	fs.VarP(lookupFlag{ps, "name"}, "query", "q", "a lookup of NAME (a name that looks like a type or an option)")
	g.family.Add(fs, "IPv4 servers only", "IPv6 servers only")
	fs.StringVarP(&g.bind, "bind", "b", "", "source address[#port] of the queries")
	fs.StringVarP(&g.keyFile, "keyfile", "k", "", "TSIG key file (the key clause tsig-keygen writes)")
	fs.StringVarP(&g.keyText, "key", "y", "", "TSIG key [hmac:]name:base64 (hmac-md5 when not named, as dig 9.18)")
	fs.BoolVarP(&g.noRC, "no-digrc", "r", false, "do not read ~/.digrc")
	fs.BoolVarP(&g.usec, "usec", "u", false, "query times in microseconds")
	fs.BoolVarP(&g.memDbg, "memdebug", "m", false, "dig's memory debugging: accepted, nothing to show")
	fs.BoolVarP(&g.version, "dig-version", "v", false, "print the version on stderr, as dig -v, and exit")
	fs.StringArrayVar(&g.roots, "root", nil, "root server address to start from (repeatable; default: the IANA root servers)")
	fs.StringVar(&g.hints, "root-hints", "", "root hints file (named.root format) to start from")
	fs.StringVarP(&g.file, "file", "f", "", "batch: the lines of FILE (- for stdin), each a command line without \"gdig\", as dig -f")
	fs.IntVar(&g.conc, "concurrency", 64, "batch: lookups at once (one shared cache)")
	fs.BoolVar(&g.unorder, "unordered", false, "batch: print results as they finish, not in input order")
	fs.IntVar(&g.cache, "cache-size", 10000, "answers (and delegations) cached at most, the least recently used evicted first")
	fs.BoolVar(&g.qmin, "qmin", true, "QNAME minimisation (RFC 9156), on as in unbound (--qmin=false: servers see the whole name)")
	fs.BoolVar(&g.rand0x, "0x20", false, "randomise the case of query names and demand it back (spoofing resistance)")
	cli.Values(fs, "type", queryTypes...)
	cli.Values(fs, "class", queryClasses...)
	g.addDNSSECFlags(fs)
	g.addTransportFlags(fs)
	return fs
}

// parse reads args: pflag the dash flags up to the next word, this the
// word (@server, +option, type, class or name), and so on to the end.
func (ps *argParser) parse(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (done bool, code int) {
	for {
		if done, code := command.Parse(fs, &ps.def.globals.common, args, stdout, stderr, exitUsage); done {
			return true, code
		}
		args = fs.Args()
		if len(args) == 0 {
			return false, 0
		}
		if err := ps.word(args[0], stderr); err != nil {
			return true, fail(stderr, err)
		}
		args = args[1:]
	}
}

// word handles one argument that is not a dash flag.
func (ps *argParser) word(a string, stderr io.Writer) error {
	switch {
	case strings.HasPrefix(a, "@") && len(a) > 1:
		if ps.cur.named && ps.pending == nil && ps.def.server != "" && ps.cur.server == ps.def.server {
			// dig keeps the command line's @server first in the list.
			ps.cur.nextServer = a[1:]
			break
		}
		ps.cur.server = a[1:]
	case strings.HasPrefix(a, "+") && len(a) > 1:
		if err := ps.cur.plus(a[1:]); err != nil {
			return err
		}
		if ps.cur.dns64Asked {
			ps.cur.dns64Asked = false
			if !ps.rc {
				ps.dns64Lookup()
			}
		}
	case ps.typeOrClass(a, stderr):
	case ps.rc:
		// dig takes only options from ~/.digrc.
	default:
		ps.newLookup(a)
	}
	return nil
}

// typeOrClass applies a as the current lookup's type or class if it names
// one, warning as dig does when that lookup has one already.
func (ps *argParser) typeOrClass(a string, stderr io.Writer) bool {
	if _, ok := parseTypeWord(a); ok {
		if ps.cur.qtype != "" {
			fmt.Fprintln(stderr, ";; Warning, extra type option")
		}
		ps.cur.qtype = a
		return true
	}
	if _, ok := parseClass(a); ok {
		if ps.cur.qclass != "" {
			fmt.Fprintln(stderr, ";; Warning, extra class option")
		}
		ps.cur.qclass = a
		return true
	}
	return false
}

// newLookup starts a lookup of name from the default lookup's options
// (a batch line's first name: from its pending lookup).
func (ps *argParser) newLookup(name string) *options {
	if len(ps.lookups) == 0 {
		// A batch line's @server before its first name is its pending
		// lookup's.
		ps.def.serverFirst = ps.def.server != "" || (ps.pending != nil && ps.pending.server != "")
	}
	l := ps.pending
	if l == nil {
		l = ps.def.clone()
	}
	ps.pending = nil
	l.name, l.named = name, true
	ps.lookups = append(ps.lookups, l)
	ps.cur = l
	return l
}

// lookupFlag is a dash flag that acts on the lookup it follows: -t and -c
// set its type and class, -x and -q start a lookup of their own.
type lookupFlag struct {
	ps   *argParser
	what string
}

func (f lookupFlag) String() string { return "" }
func (f lookupFlag) Type() string   { return "string" }

func (f lookupFlag) Set(v string) error {
	switch f.what {
	case "type":
		f.ps.cur.qtype = v
	case "class":
		f.ps.cur.qclass = v
	case "reverse":
		l := f.ps.newLookup("")
		l.reverse = v
	case "name":
		f.ps.newLookup(v)
	}
	return nil
}
