// Package gtraceroute is the gtraceroute tool; cmd/gtraceroute is its thin wrapper.
//
// gtraceroute finds the path to a host hop by hop, as traceroute does and
// in traceroute's format, with UDP (default, unprivileged: answers through
// IP_RECVERR), ICMP echo (-I) or TCP SYN (-T) probes. Every probe of a
// trace keeps one flow (Paris traceroute), so routers that balance flows
// over several paths show one real path, not a mix. Probes for many hops go
// out at once, and a silent hop is retried once after ICMP rate limits
// refill, so traces finish sooner and with fewer false stars.
package gtraceroute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/netroute"
)

var command = cli.Command{
	Name:     "gtraceroute",
	Synopsis: "[options] host [packetlen]",
	Summary:  "TTL-based path discovery with UDP, ICMP (-I) or TCP SYN (-T) probes, in\ntraceroute's format; Paris-style stable flows; --report for an mtr-style table.",
	Extra: `UDP probes need no privilege; -I uses ICMP datagram sockets where
net.ipv4.ping_group_range allows, raw sockets otherwise; -T needs CAP_NET_RAW
(setcap cap_net_raw+ep gtraceroute; make install does it).
exit status (traceroute's): 0 the trace ran (whether or not it reached the
host), 1 it could not run (no route, no privilege, a socket error), 2 bad
usage or an unknown host.`,
}

type options struct {
	common   cli.Common
	v4, v6   bool
	icmp     bool
	tcp      bool
	udp      bool
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
}

// Run runs gtraceroute with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := command.NewFlagSet(&o.common)
	fs.BoolVarP(&o.v4, "ipv4", "4", false, "IPv4 only")
	fs.BoolVarP(&o.v6, "ipv6", "6", false, "IPv6 only")
	fs.BoolVarP(&o.icmp, "icmp", "I", false, "probe with ICMP echo")
	fs.BoolVarP(&o.tcp, "tcp", "T", false, "probe with TCP SYN (port 80 unless -p)")
	fs.BoolVarP(&o.udp, "udp", "U", false, "probe with UDP (the default; port 33434 unless -p)")
	fs.IntVarP(&o.first, "first", "f", 1, "first TTL")
	fs.IntVarP(&o.maxTTL, "max-hops", "m", 30, "maximum TTL")
	fs.IntVarP(&o.parallel, "sim-queries", "N", 16, "probes in flight at once")
	fs.IntVarP(&o.queries, "queries", "q", 3, "probes per hop")
	fs.StringVarP(&o.wait, "wait", "w", "5,3,10", "MAX[,HERE[,NEAR]]: wait at most MAX seconds, HERE times an answer of the same hop, NEAR times one of a later hop")
	fs.Float64VarP(&o.sendWait, "sendwait", "z", 0, "pause between probes (seconds; above 10: milliseconds)")
	fs.IntVarP(&o.port, "port", "p", 0, "destination port (UDP 33434, TCP 80); every probe keeps it")
	fs.StringVarP(&o.source, "source", "s", "", "source address")
	fs.StringVarP(&o.device, "interface", "i", "", "send through this interface")
	fs.BoolVarP(&o.numeric, "numeric", "n", false, "print addresses only, no names")
	fs.BoolVarP(&o.df, "dont-fragment", "F", false, "set DF: a too small link answers !F-<mtu>")
	fs.IntVarP(&o.tos, "tos", "t", 0, "IPv4 TOS / IPv6 traffic class")
	fs.BoolVarP(&o.ext, "extensions", "e", false, "show ICMP extensions (MPLS labels) when routers add them")
	fs.BoolVar(&o.report, "report", false, "mtr-style report: -c cycles, then one line per hop with loss and RTT statistics")
	fs.IntVarP(&o.cycles, "report-cycles", "c", 10, "cycles for --report")
	fs.BoolVar(&o.noRetry, "no-retry", false, "do not retry a silent hop once (traceroute's behaviour)")
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	fail := func(format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return cli.ExitUsage
	}
	// Errors of the system once the arguments are good end with 1, as
	// traceroute's do.
	sysFail := func(err error) int {
		cli.Errorf(stderr, command.Name, "%s", sysError(err))
		return cli.ExitFail
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return fail("expected host [packetlen], got %d arguments (try --help)", fs.NArg())
	}
	tc, err := o.schedule()
	if err != nil {
		return fail("%v", err)
	}
	kind := "udp"
	switch {
	case o.icmp && o.tcp:
		return fail("-I and -T exclude each other")
	case o.icmp:
		kind = "icmp"
	case o.tcp:
		kind = "tcp"
		tc.minWait = 2 * time.Millisecond
	}
	family := cli.AnyFamily
	switch {
	case o.v4 && o.v6:
		return fail("-4 and -6 exclude each other")
	case o.v4:
		family = cli.IPv4Only
	case o.v6:
		family = cli.IPv6Only
	}
	host := fs.Arg(0)
	addr, err := cli.Resolve(ctx, host, family)
	if err != nil {
		return fail("%v", err)
	}
	hdr := 20
	if addr.Is6() {
		hdr = 40
	}
	size := hdr + 40
	if fs.NArg() == 2 {
		n, err := strconv.Atoi(fs.Arg(1))
		switch {
		case err != nil || n < 0:
			return fail("Cannot handle \"packetlen\" cmdline arg `%s'", fs.Arg(1))
		case n > 65000:
			return fail("too big packetlen %d specified", n)
		}
		// As traceroute: too small a length is raised to the smallest the
		// method can send.
		size = max(n, hdr+8+8)
	}
	pc := probeConfig{dst: addr, device: o.device, size: size, df: o.df, tos: o.tos}
	switch {
	case o.port > 0 && o.port < 65536:
		pc.port = uint16(o.port)
	case o.port != 0:
		return fail("bad port %d", o.port)
	case kind == "tcp":
		pc.port = 80
	default:
		pc.port = 33434
	}
	if o.source != "" {
		src, err := netip.ParseAddr(o.source)
		if err != nil || src.Unmap().Is4() != addr.Is4() {
			return fail("bad source address %q for %s", o.source, addr)
		}
		pc.src = src.Unmap()
	}
	p := &printer{w: cli.NewLines(stdout), target: host, addr: addr, numeric: o.numeric, ext: o.ext}
	if o.common.JSON {
		p.js = cli.NewNDJSON(stdout)
	}
	text := p.js == nil && !o.report
	if _, err := netroute.Source(addr, pc.src); err != nil {
		// With UDP probes traceroute has printed its first line when
		// connect or bind fails; with -I and -T it fails before.
		if text && kind == "udp" {
			p.header(host, addr, tc.max, size)
		}
		return sysFail(err)
	}
	// The method's sockets are opened here, in Run's goroutine (which a test
	// may have switched into a network namespace).
	m, err := openMethod(ctx, kind, pc)
	if err != nil {
		return sysFail(err)
	}
	defer m.close()
	if o.report {
		return runReport(ctx, tc, m, o.cycles, host, addr, p, stderr)
	}
	if text {
		p.header(host, addr, tc.max, size)
	}
	start := time.Now()
	t := newTracer(tc, m)
	hops := 0
	end, err := t.run(ctx, func(h hop) {
		hops++
		p.hop(h)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return sysFail(err)
	}
	p.summary(host, addr, end, hops, t.sent, time.Since(start))
	return cli.ExitOK
}

// schedule reads the timing flags.
func (o *options) schedule() (traceConfig, error) {
	tc := traceConfig{first: o.first, max: o.maxTTL, queries: o.queries, parallel: o.parallel, retry: !o.noRetry, retryAfter: 1250 * time.Millisecond}
	// traceroute takes -N 0 (or less) as one probe at a time.
	tc.parallel = max(tc.parallel, 1)
	switch {
	case o.maxTTL > 255:
		return tc, fmt.Errorf("max hops cannot be more than 255")
	case o.first < 1 || o.first > o.maxTTL: // -m 0 too, as traceroute words it
		return tc, fmt.Errorf("first hop out of range")
	case o.queries < 1 || o.queries > 10:
		return tc, fmt.Errorf("no more than 10 probes per hop")
	case o.sendWait < 0:
		return tc, fmt.Errorf("bad sendtime `%g' specified", o.sendWait)
	case o.report && o.cycles < 1:
		return tc, fmt.Errorf("-c must be positive")
	}
	parts := strings.Split(o.wait, ",")
	vals := []float64{5, 3, 10}
	if len(parts) > 3 {
		return tc, fmt.Errorf("bad wait specifications `%s' used", o.wait)
	}
	for i, s := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 {
			return tc, fmt.Errorf("bad wait specifications `%s' used", o.wait)
		}
		vals[i] = v
	}
	tc.waitMax = time.Duration(vals[0] * float64(time.Second))
	tc.here, tc.near = vals[1], vals[2]
	if o.sendWait > 10 {
		tc.sendWait = time.Duration(o.sendWait * float64(time.Millisecond))
	} else {
		tc.sendWait = time.Duration(o.sendWait * float64(time.Second))
	}
	return tc, nil
}

// sysError is a system call's error as traceroute prints it:
// "connect: Network is unreachable" (strerror's capital, not Go's
// lower case).
func sysError(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Syscall + ": " + cli.Strerror(se.Err)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) && err == error(errno) {
		return cli.Strerror(errno)
	}
	return err.Error()
}
