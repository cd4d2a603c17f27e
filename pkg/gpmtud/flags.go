package gpmtud

import (
	"io"

	"gnetutils/pkg/cli"
)

// flags is the command line as given; newConfig checks it.
type flags struct {
	common   cli.Common
	family   cli.FamilyFlags
	numeric  bool
	both     bool // -b: name and address
	port     uint16
	maxHops  int
	check    int
	start    int
	wait     float64
	retries  int
	maxProbe int
	limit    float64
	hops     bool
	verbose  bool
	device   string
	icmp     bool
	args     []string // host
}

// parseFlags reads args. done reports that Run must return code now:
// --help, --version or a flag that does not parse.
func parseFlags(args []string, stdout, stderr io.Writer) (f flags, done bool, code int) {
	fs := command.NewFlagSet(&f.common)
	f.family.Add(fs, "use IPv4 only", "use IPv6 only")
	fs.BoolVarP(&f.numeric, "numeric", "n", false, "numeric output (gpmtud looks names up only for -b)")
	fs.BoolVarP(&f.both, "both", "b", false, "print both name and IP of each hop, as tracepath -b (with --hops)")
	fs.Uint16VarP(&f.port, "port", "p", 33434, "destination UDP port (a closed one: its port-unreachable says the probe arrived)")
	fs.IntVarP(&f.maxHops, "max-hops", "m", 30, "maximum hops for --hops")
	fs.IntVarP(&f.check, "size", "s", 0, "check one UDP payload size only: is it through? (exit 0 yes, 1 no)")
	fs.IntVarP(&f.start, "start", "l", 0, "first packet size to try (default: the outgoing interface's MTU)")
	fs.Float64VarP(&f.wait, "wait", "w", 1, "longest wait for one answer, seconds (shorter once the RTT is known)")
	fs.IntVar(&f.retries, "retries", 2, "extra probes before a size counts as lost")
	fs.IntVar(&f.maxProbe, "max-probes", 100, "bound on the probes sent")
	fs.Float64Var(&f.limit, "timeout", 30, "bound on the whole run, seconds")
	fs.BoolVar(&f.hops, "hops", false, "walk hop by hop as tracepath does, naming where a black hole is")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "print one line per probed size")
	fs.StringVarP(&f.device, "interface", "i", "", "send through this interface")
	fs.BoolVarP(&f.icmp, "icmp", "I", false, "probe with ICMP echo (pkg/icmpx) instead of UDP to a closed port")
	if done, code := command.Parse(fs, &f.common, args, stdout, stderr, cli.ExitUsage); done {
		return f, true, code
	}
	f.args = fs.Args()
	return f, false, 0
}
