package garp

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "garp",
	Synopsis: "[options] target | --scan CIDR | --cache | --watch",
	Summary:  "ARP over raw frames: arping-compatible probes, duplicate address detection\nand gratuitous ARP; subnet scan, neighbour cache and an ARP spoofing watch.",
	Extra: `Raw frames need CAP_NET_RAW (setcap cap_net_raw+ep garp; make install does it).
exit status (arping's): 0 replies received (with -D: no duplicate; -U/-A: sent),
1 none (with -D: a duplicate; --watch --once: a conflict), or a number -c/-w/-i
cannot take (as arping); 2 other errors.`,
	BadValue: cli.IputilsNumbers("count", "deadline", "interval"),
}

// options is the command line; once checked, what the modes run with.
type options struct {
	common   cli.Common
	count    int
	deadline float64
	interval float64
	iface    string
	source   string
	dad      bool
	unsol    bool
	advert   bool
	bcast    bool
	first    bool
	quiet    bool
	scan     string
	rate     int
	retries  int
	timeout  time.Duration
	cache    bool
	watch    bool
	once     bool
	pcap     string
	args     []string     // the operands: arping's target
	prefix   netip.Prefix // --scan's subnet, masked (check)
}

// parseFlags reads args into options; done says that Run ends here (help,
// version, a bad flag) with code.
func parseFlags(args []string, stdout, stderr io.Writer) (o options, changed func(string) bool, done bool, code int) {
	fs := command.NewFlagSet(&o.common)
	o.declare(fs)
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return o, nil, true, code
	}
	o.args = fs.Args()
	return o, fs.Changed, false, 0
}

func (o *options) declare(fs *pflag.FlagSet) {
	fs.IntVarP(&o.count, "count", "c", 0, "stop after COUNT probes (with -w: after COUNT replies)")
	fs.Float64VarP(&o.deadline, "deadline", "w", 0, "stop after this many seconds")
	fs.Float64VarP(&o.interval, "interval", "i", 1, "seconds between probes")
	fs.StringVarP(&o.iface, "interface", "I", "", "interface (default: the one the routing table uses towards the target)")
	fs.StringVarP(&o.source, "source", "s", "", "source IP address of the probes")
	fs.BoolVarP(&o.dad, "dad", "D", false, "duplicate address detection: probe from 0.0.0.0 (RFC 5227)")
	fs.BoolVarP(&o.unsol, "unsolicited", "U", false, "unsolicited ARP: announce our address (gratuitous request)")
	fs.BoolVarP(&o.advert, "advert", "A", false, "as -U, but with ARP replies")
	fs.BoolVarP(&o.bcast, "broadcast", "b", false, "keep broadcasting (no unicast after the first reply)")
	fs.BoolVarP(&o.first, "first", "f", false, "stop at the first reply")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing")
	fs.StringVar(&o.scan, "scan", "", "scan a subnet (CIDR): one IP<TAB>MAC line per host that answers")
	fs.IntVar(&o.rate, "rate", 500, fmt.Sprintf("--scan: requests per second, at most the link's line rate\n(%d per Gb/s of the speed it reports, 1 Gb/s if none)", perGbps))
	fs.IntVar(&o.retries, "retry", 2, "--scan: requests per host (arp-scan's --retry)")
	fs.DurationVar(&o.timeout, "timeout", 500*time.Millisecond, "--scan: wait for replies after each round")
	fs.BoolVar(&o.cache, "cache", false, "print the kernel's neighbour table (as ip neigh)")
	fs.BoolVar(&o.watch, "watch", false, fmt.Sprintf("watch ARP on the interface: new stations, changed or conflicting MACs\n(remembers %d stations; when full, forgets first those heard only once)", maxStations))
	fs.BoolVar(&o.once, "once", false, "--watch: exit 1 at the first conflict")
	fs.StringVar(&o.pcap, "pcap", "", "write every frame sent and received to this pcap file")
}

// check refuses what arping refuses, in its words and with its status 1
// for a number out of range, and what the modes cannot run with (2).
func (o *options) check(changed func(string) bool) (code int, err error) {
	switch {
	case changed("count") && o.count < 1:
		return cli.ExitBadNumber, cli.OutOfRange(o.count, 1, 2147483647)
	case o.deadline < 0 || o.deadline > 2147483647:
		return cli.ExitBadNumber, cli.OutOfRange(o.deadline, 0, 2147483647)
	case o.interval < 0 || o.interval > 2147483647:
		return cli.ExitBadNumber, cli.OutOfRange(o.interval, 0, 2147483647)
	}
	modes := 0
	for _, m := range []bool{o.scan != "", o.cache, o.watch} {
		if m {
			modes++
		}
	}
	switch {
	case modes > 1:
		return cli.ExitUsage, errors.New("--scan, --cache and --watch exclude each other")
	case o.interval == 0 || o.rate <= 0 || o.retries < 1:
		return cli.ExitUsage, errors.New("counts, times and rates must be positive")
	case o.dad && (o.unsol || o.advert):
		return cli.ExitUsage, errors.New("-D and -U/-A exclude each other")
	case o.cache:
		return cli.ExitOK, nil
	case o.scan != "":
		prefix, err := netip.ParsePrefix(o.scan)
		if err != nil || !prefix.Addr().Is4() {
			return cli.ExitUsage, fmt.Errorf("bad --scan %q: want an IPv4 CIDR such as 192.0.2.0/24", o.scan)
		}
		o.prefix = prefix.Masked()
	case o.watch && o.iface == "":
		return cli.ExitUsage, errors.New("--watch needs -I interface")
	case !o.watch && len(o.args) != 1:
		return cli.ExitUsage, errors.New("usage error: Destination address required (try --help)")
	}
	return cli.ExitOK, nil
}
