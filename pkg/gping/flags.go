package gping

import (
	"io"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

var command = cli.Command{
	Name:     "gping",
	Synopsis: "[options] host...",
	Summary:  "ICMP echo (IPv4/IPv6) with iputils ping's flags, output and exit codes;\nseveral hosts at once, --json for pipelines.",
	Extra: `exit status: 0 every host answered (with -w and -c: with -c replies), 1 some host
did not (or, as ping, a number -c/-s/-t/-w cannot take), 2 other errors (bad
arguments, unknown host, no permission).

Unprivileged use needs ICMP datagram sockets allowed for your group
(sysctl -w net.ipv4.ping_group_range="0 2147483647"), or the binary needs
CAP_NET_RAW (setcap cap_net_raw+ep gping; make install does it).
SIGQUIT (Ctrl-\) prints interim statistics to stderr; SIGINT ends with the summary.`,
	// ping reads its whole-number options with strtol and stops with
	// status 1 on a bad one.
	BadValue: cli.IputilsNumbers("count", "size", "ttl", "deadline", "preload", "mark", "sndbuf", "ident"),
}

// options is the command line as given; check turns it into a runConfig.
type options struct {
	common      cli.Common
	count       int
	interval    float64
	timeout     float64
	deadline    float64
	size        int
	ttl         int
	quiet       bool
	numeric     bool
	timestamps  bool
	outstanding bool
	flood       bool
	iface       string
	pmtud       string
	pattern     string
	tos         string
	audible     bool
	preload     int
	family      cli.FamilyFlags
	graph       bool
	verbose     bool
	debug       bool
	dontRoute   bool
	noLoop      bool
	mark        int
	sndbuf      int
	ident       int
	connect     bool
	broadcast   bool
	sticky      bool
	userRTT     bool
	adaptive    bool
	flowLabel   string
	recordRoute bool
	timestamp   string
	nodeInfo    []string
	ni          *icmpx.NIQuery // what the -N words ask (readNodeInfo)
	hosts       []string
}

// parseFlags reads args into options; done says that Run ends here (help,
// version, a bad flag) with code.
func parseFlags(args []string, stdout, stderr io.Writer) (o options, changed func(string) bool, done bool, code int) {
	fs := command.NewFlagSet(&o.common)
	o.declare(fs)
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return o, nil, true, code
	}
	o.hosts = fs.Args()
	return o, fs.Changed, false, 0
}

// declare declares ping's flags in ping's order, which --help keeps.
func (o *options) declare(fs *pflag.FlagSet) {
	fs.IntVarP(&o.count, "count", "c", 0, "stop after COUNT replies (without -w: after sending COUNT probes)")
	fs.Float64VarP(&o.interval, "interval", "i", 1, "seconds between probes (below 0.002 only for root)")
	fs.Float64VarP(&o.timeout, "timeout", "W", 10, "seconds to wait after the last probe while no reply has come (else: twice\nthe longest round trip, at least the interval, as ping)")
	fs.Float64VarP(&o.deadline, "deadline", "w", 0, "stop after this many seconds, whatever was sent or received")
	fs.IntVarP(&o.size, "size", "s", 56, "data bytes in each probe")
	fs.IntVarP(&o.ttl, "ttl", "t", 0, "IP time to live / hop limit")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print only the header and the summary")
	fs.BoolVarP(&o.numeric, "numeric", "n", false, "numeric output only (gping never looks up names of replies)")
	fs.BoolVarP(&o.timestamps, "timestamps", "D", false, "print a UNIX timestamp before each line")
	fs.BoolVarP(&o.outstanding, "outstanding", "O", false, "report probes still unanswered when the next goes out")
	fs.BoolVarP(&o.flood, "flood", "f", false, "flood ping: a dot per probe, a backspace per reply (users: with -i 0.002 or more)")
	fs.StringVarP(&o.iface, "interface", "I", "", "source interface name or address")
	fs.StringVarP(&o.pmtud, "pmtu", "M", "", "path MTU discovery: do (DF, no local fragmentation), dont, want, probe")
	cli.Values(fs, "pmtu", "do", "dont", "want", "probe")
	fs.StringVarP(&o.pattern, "pattern", "p", "", "fill the data with up to 16 bytes given in hex")
	fs.StringVarP(&o.tos, "tos", "Q", "", "IPv4 TOS / IPv6 traffic class (decimal or 0x hex)")
	fs.BoolVarP(&o.audible, "audible", "a", false, "ring the terminal's bell with each reply")
	fs.IntVarP(&o.preload, "preload", "l", 1, "send this many probes at once at the start (users: at most 3)")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "verbose: the resolved address first, ident= on each reply")
	fs.BoolVarP(&o.debug, "debug", "d", false, "set SO_DEBUG on the socket (needs CAP_NET_ADMIN)")
	fs.BoolVarP(&o.dontRoute, "bypass-route", "r", false, "SO_DONTROUTE: reach only hosts on attached networks")
	fs.IntVarP(&o.mark, "mark", "m", 0, "SO_MARK: the firewall mark of the probes (needs CAP_NET_ADMIN)")
	fs.IntVarP(&o.sndbuf, "sndbuf", "S", 0, "SO_SNDBUF: the socket's send buffer in bytes")
	fs.BoolVarP(&o.noLoop, "no-loop", "L", false, "do not loop multicast probes back to this host")
	fs.IntVarP(&o.ident, "ident", "e", 0, "identifier of the probes (a raw socket: IPv6, or IPv4 with -e 0;\nelse the kernel picks it)")
	fs.BoolVarP(&o.connect, "connect", "C", false, "connect() the socket to the host")
	fs.BoolVarP(&o.adaptive, "adaptive", "A", false, "adaptive: the interval follows the round-trip time (users: 2 ms at least)")
	fs.BoolVarP(&o.sticky, "sticky-source", "B", false, "bind to the source address chosen at the start, keep it")
	fs.BoolVarP(&o.userRTT, "user-latency", "U", false, "time replies when gping reads them, not when the kernel got them")
	o.family.Add(fs, "IPv4 only", "IPv6 only")
	fs.StringVarP(&o.flowLabel, "flowlabel", "F", "", "IPv6 flow label of the probes (0: one at random)")
	fs.StringArrayVarP(&o.nodeInfo, "nodeinfo", "N", nil, "IPv6 node information query (RFC 4620) instead of echo; `word`: name,\nipv6, ipv4, ... or subject-...= (repeat -N); -N help lists them")
	cli.Values(fs, "nodeinfo", "help", "name", "ipv6", "ipv6-all", "ipv6-compatible", "ipv6-global", "ipv6-linklocal", "ipv6-sitelocal", "ipv4", "ipv4-all")
	fs.BoolVarP(&o.recordRoute, "record-route", "R", false, "record route: print the route each reply recorded (IPv4, raw socket)")
	fs.StringVarP(&o.timestamp, "timestamp", "T", "", "IP timestamp option: tsonly, tsandaddr, or tsprespec (then up to 4\nhosts before the destination are asked, in order)")
	cli.Values(fs, "timestamp", "tsonly", "tsandaddr", "tsprespec")
	fs.BoolVarP(&o.broadcast, "broadcast", "b", false, "allow pinging a broadcast address (every host's answer counts)")
	fs.BoolVarP(&o.graph, "graph", "g", false, "full-screen live chart of round-trip times (keys: q quit, p pause, r reset)")
}
