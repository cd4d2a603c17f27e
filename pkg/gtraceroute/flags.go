package gtraceroute

import (
	"io"

	"gnetutils/pkg/cli"
)

// flags is the command line as given; newConfig checks it.
type flags struct {
	common   cli.Common
	family   cli.FamilyFlags
	icmp     bool
	tcp      bool
	udp      bool // -U, the default: taken, as traceroute takes it
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
	debug    bool     // -d: SO_DEBUG
	noRoute  bool     // -r: SO_DONTROUTE
	fwmark   uint32   // --fwmark: SO_MARK
	sport    int      // --sport
	back     bool     // --back
	mtu      bool     // --mtu
	module   string   // -M
	udplite  bool     // -L, of -UL
	gateways []string // -g, each maybe a comma list
	cyclesOn bool     // -c given: --live ends after it
	args     []string // host [packetlen]
}

// parseFlags reads args in traceroute's flags. done reports that Run must
// return code now: --help, --version or a flag that does not parse.
func parseFlags(args []string, stdout, stderr io.Writer) (f flags, done bool, code int) {
	fs := command.NewFlagSet(&f.common)
	f.family.Add(fs, "IPv4 only", "IPv6 only")
	fs.BoolVarP(&f.icmp, "icmp", "I", false, "probe with ICMP echo")
	fs.BoolVarP(&f.tcp, "tcp", "T", false, "probe with TCP SYN (port 80 unless -p)")
	fs.BoolVarP(&f.udp, "udp", "U", false, "probe with UDP (the default; port 33434 unless -p)")
	fs.StringArrayVarP(&f.gateways, "gateway", "g", nil, "route the probes through `gate,...` (loose source route: IPv4 LSRR, at most 8)")
	fs.BoolVarP(&f.udplite, "udplite", "L", false, "probe with UDP-Lite (traceroute's -UL; port 53 unless -p)")
	fs.StringVarP(&f.module, "module", "M", "", "probe method by traceroute's name: default, udp, icmp, tcp, udplite")
	fs.IntVarP(&f.first, "first", "f", 1, "first TTL")
	fs.IntVarP(&f.maxTTL, "max-hops", "m", 30, "maximum TTL")
	fs.IntVarP(&f.parallel, "sim-queries", "N", 16, "probes in flight at once")
	fs.IntVarP(&f.queries, "queries", "q", 3, "probes per hop")
	fs.StringVarP(&f.wait, "wait", "w", "5,3,10", "MAX[,HERE[,NEAR]]: wait at most MAX seconds, HERE times an answer of the same hop, NEAR times one of a later hop")
	fs.Float64VarP(&f.sendWait, "sendwait", "z", 0, "pause between probes (seconds; above 10: milliseconds)")
	fs.IntVarP(&f.port, "port", "p", 0, "destination port (UDP 33434, TCP 80); every probe keeps it")
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
	fs.BoolVar(&f.live, "live", false, "mtr's live table, probing every hop until q (keys: q quit, p pause, r reset, d display, n names)")
	if done, code := command.Parse(fs, &f.common, args, stdout, stderr, cli.ExitUsage); done {
		return f, true, code
	}
	f.args = fs.Args()
	f.cyclesOn = fs.Changed("report-cycles")
	return f, false, 0
}
