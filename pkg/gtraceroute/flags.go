package gtraceroute

import (
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
)

// flags is the command line as given; newConfig checks it.
type flags struct {
	common   cli.Common
	family   cli.FamilyFlags
	first    int
	maxTTL   int
	parallel int
	queries  int
	wait     string
	sendWait float64
	port     int
	source   string
	device   string
	numeric  bool
	df       bool
	tos      int
	ext      bool
	report   bool
	cycles   int
	noRetry  bool
	live     bool
	debug    bool   // -d: SO_DEBUG
	noRoute  bool   // -r: SO_DONTROUTE
	fwmark   uint32 // --fwmark: SO_MARK
	sport    int    // --sport
	back     bool   // --back
	mtu      bool   // --mtu
	// module is the method by traceroute's name, "" for the default: the
	// last of -I -T -U -UL -D -P -M given, as traceroute takes it.
	module string
	// modItems are -O's items (split at commas) and -P's protocol=, in
	// command-line order; helpFor is the method -O help asked about, as
	// it stood then (traceroute prints its help at once).
	modItems  []string
	helpFor   string
	askedHelp bool
	flowLabel uint32   // -l
	asPath    bool     // -A
	asServer  string   // --as-server
	asZone    string   // --as-zone
	gateways  []string // -g, each maybe a comma list
	cyclesOn  bool     // -c given: --live ends after it
	args      []string // host [packetlen]
}

// parseFlags reads args in traceroute's flags. done reports that Run must
// return code now: --help, --version or a flag that does not parse.
func parseFlags(args []string, stdout, stderr io.Writer) (f flags, done bool, code int) {
	fs := command.NewFlagSet(&f.common)
	f.family.Add(fs, "IPv4 only", "IPv6 only")
	f.methodFlags(fs)
	fs.StringArrayVarP(&f.gateways, "gateway", "g", nil, "route the probes through `gate,...` (loose source route: IPv4 LSRR, at most 8)")
	fs.IntVarP(&f.first, "first", "f", 1, "first TTL")
	fs.IntVarP(&f.maxTTL, "max-hops", "m", 30, "maximum TTL")
	fs.IntVarP(&f.parallel, "sim-queries", "N", 16, "probes in flight at once")
	fs.IntVarP(&f.queries, "queries", "q", 3, "probes per hop")
	fs.StringVarP(&f.wait, "wait", "w", "5,3,10", "MAX[,HERE[,NEAR]]: wait at most MAX seconds, HERE times an answer of the same hop, NEAR times one of a later hop")
	fs.Float64VarP(&f.sendWait, "sendwait", "z", 0, "pause between probes (seconds; above 10: milliseconds)")
	fs.IntVarP(&f.port, "port", "p", 0, "destination port (33434; -U, -UL 53; -T 80); every probe keeps it; -P: the protocol")
	fs.StringVarP(&f.source, "source", "s", "", "source address")
	fs.StringVarP(&f.device, "interface", "i", "", "send through this interface")
	fs.BoolVarP(&f.numeric, "numeric", "n", false, "print addresses only, no names")
	fs.BoolVarP(&f.df, "dont-fragment", "F", false, "set DF: a too small link answers !F-<mtu>")
	fs.IntVarP(&f.tos, "tos", "t", 0, "IPv4 TOS / IPv6 traffic class")
	fs.BoolVarP(&f.ext, "extensions", "e", false, "show ICMP extensions (MPLS labels) when routers add them")
	fs.BoolVar(&f.report, "report", false, "mtr-style report: -c cycles, then one line per hop with loss and RTT statistics")
	fs.IntVarP(&f.cycles, "report-cycles", "c", 10, "cycles for --report (and for --live, which otherwise runs until q)")
	fs.BoolVar(&f.noRetry, "no-retry", false, "do not retry a silent hop once (traceroute's behaviour)")
	fs.BoolVarP(&f.debug, "debug", "d", false, "enable socket level debugging (SO_DEBUG; needs CAP_NET_ADMIN)")
	fs.BoolVarP(&f.noRoute, "dontroute", "r", false, "bypass the routing table: send directly to a host on an attached network (SO_DONTROUTE)")
	fs.Uint32Var(&f.fwmark, "fwmark", 0, "firewall mark for outgoing packets (SO_MARK; needs CAP_NET_ADMIN)")
	fs.IntVar(&f.sport, "sport", 0, "source port of the probes (UDP, TCP); implies -N 1")
	fs.BoolVar(&f.back, "back", false, "guess the hops of the way back from each answer's TTL and print them ('-N') where they differ")
	fs.BoolVar(&f.mtu, "mtu", false, "discover the MTU along the path: probes shrink to it and print F=NUM where it changes; implies -F -N 1")
	fs.Uint32VarP(&f.flowLabel, "flowlabel", "l", 0, "IPv6 flow label of the probes (20 bits)")
	fs.BoolVarP(&f.asPath, "as-path-lookups", "A", false, "print each hop's AS path, [AS64500], looked up in the DNS as mtr -z does")
	fs.StringVar(&f.asServer, "as-server", "", "`addr`[:port] of the DNS server -A asks (default: the system's resolver)")
	fs.StringVar(&f.asZone, "as-zone", defASZone, "`zone` whose origin. and origin6. TXT records -A reads")
	fs.BoolVar(&f.live, "live", false, "mtr's live table, probing every hop until q (keys: q quit, p pause, r reset, d display, n names)")
	if done, code := command.Parse(fs, &f.common, args, stdout, stderr, cli.ExitUsage); done {
		return f, true, code
	}
	if f.askedHelp { // traceroute -O help: the method's options on stderr, status 0
		_, _ = io.WriteString(stderr, modHelp(f.helpFor))
		return f, true, cli.ExitOK
	}
	f.args = fs.Args()
	f.cyclesOn = fs.Changed("report-cycles")
	return f, false, 0
}

// methodFlags declares the flags that choose the probe method, and -O.
// Each sets module when it is met, so the last one given wins, as in
// traceroute (-I -T traces with TCP).
func (f *flags) methodFlags(fs *pflag.FlagSet) {
	pick := func(name, short, module, usage string) {
		fs.VarPF(pickMethod{&f.module, module}, name, short, usage).NoOptDefVal = "true"
	}
	pick("icmp", "I", "icmp", "probe with ICMP echo (-M icmp)")
	pick("tcp", "T", "tcp", "probe with TCP SYN (-M tcp; port 80 unless -p)")
	pick("udp", "U", "udp", "probe with UDP to one port (-M udp; port 53 unless -p)")
	pick("udplite", "L", "udplite", "probe with UDP-Lite (traceroute's -UL, -M udplite; port 53 unless -p)")
	pick("dccp", "D", "dccp", "probe with DCCP Requests (-M dccp; port 33434 unless -p)")
	fs.VarP(protoFlag{f}, "protocol", "P", "probe with raw IP packets of protocol `proto` (-M raw -O protocol=proto)")
	fs.VarP(moduleFlag{&f.module}, "module", "M", "probe method by traceroute's `name`: default, udp, icmp, tcp, tcpconn, udplite, dccp, raw")
	cli.Values(fs, "module", "default", "udp", "icmp", "tcp", "tcpconn", "udplite", "dccp", "raw")
	fs.VarP(optionsFlag{f}, "options", "O", "the method's options, `opt,...` (-O help lists them)")
}

// pickMethod is a flag that chooses a method.
type pickMethod struct {
	module *string
	name   string
}

func (p pickMethod) Set(v string) error {
	on, err := strconv.ParseBool(v)
	if on {
		*p.module = p.name
	}
	return err
}
func (p pickMethod) String() string   { return "false" }
func (p pickMethod) Type() string     { return "bool" }
func (p pickMethod) IsBoolFlag() bool { return true }

// moduleFlag is -M.
type moduleFlag struct{ module *string }

func (m moduleFlag) Set(v string) error { *m.module = v; return nil }
func (m moduleFlag) String() string     { return "" }
func (m moduleFlag) Type() string       { return "string" }

// protoFlag is -P proto: -M raw -O protocol=proto, as traceroute reads it.
type protoFlag struct{ f *flags }

func (p protoFlag) Set(v string) error {
	p.f.module = "raw"
	p.f.modItems = append(p.f.modItems, "protocol="+v)
	return nil
}
func (p protoFlag) String() string { return "" }
func (p protoFlag) Type() string   { return "string" }

// optionsFlag is -O: items split at commas (and blanks), as traceroute's.
type optionsFlag struct{ f *flags }

func (o optionsFlag) Set(v string) error {
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if item == "help" && !o.f.askedHelp {
			o.f.askedHelp, o.f.helpFor = true, o.f.module
			if o.f.helpFor == "" {
				o.f.helpFor = "default"
			}
			continue
		}
		o.f.modItems = append(o.f.modItems, item)
	}
	return nil
}
func (o optionsFlag) String() string { return "" }
func (o optionsFlag) Type() string   { return "stringArray" }
