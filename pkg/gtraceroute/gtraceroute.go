// Package gtraceroute is the gtraceroute tool; cmd/gtraceroute is its thin wrapper.
//
// gtraceroute finds the path to a host hop by hop, as traceroute does and
// in traceroute's format, with each of traceroute's methods: UDP (default,
// unprivileged: answers through IP_RECVERR), ICMP echo (-I), TCP SYN (-T)
// and its -O options, TCP connect (-M tcpconn), UDP-Lite (-UL), DCCP (-D)
// or raw IP (-P). Every probe of a trace keeps one flow (Paris
// traceroute), so routers that balance flows over several paths show one
// real path, not a mix. Probes for many hops go
// out at once, and a silent hop is retried once after ICMP rate limits
// refill, so traces finish sooner and with fewer false stars.
package gtraceroute

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/sockopt"
)

var command = cli.Command{
	Name:     "gtraceroute",
	Synopsis: "[options] host [packetlen]",
	Summary:  "TTL-based path discovery with traceroute's methods (UDP; -I ICMP; -T TCP SYN;\n-M tcpconn; -UL UDP-Lite; -D DCCP; -P raw IP), in traceroute's format;\nParis-style stable flows; --report for an mtr-style table.",
	Extra: `UDP, UDP-Lite and tcpconn probes need no privilege; -I uses ICMP datagram
sockets where net.ipv4.ping_group_range allows, raw sockets otherwise; -T, -D
and -P need CAP_NET_RAW (setcap cap_net_raw+ep gtraceroute; make install does
it). -O help lists the method's options.
exit status (traceroute's): 0 the trace ran (whether or not it reached the
host), 1 it could not run (no route, no privilege, a socket error), 2 bad
usage or an unknown host.`,
}

// Run runs gtraceroute with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f, done, code := parseFlags(args, stdout, stderr)
	if done {
		return code
	}
	if err := liveRefusal(&f, stdout); err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	c, err := newConfig(ctx, f)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	p := newPrinter(stdout, c)
	if f.live {
		lv := newLive(ctx, p, c, f.cyclesOn)
		defer lv.close()
		ctx, p = lv.ctx, lv
	}
	return c.run(ctx, p, stderr)
}

// run traces, or with --report runs the report's cycles. Errors of the
// system once the arguments are good end with 1, as traceroute's do.
func (c config) run(ctx context.Context, p printer, stderr io.Writer) int {
	sysFail := func(err error) int {
		return command.Fail(stderr, cli.ExitFail, "%s", sysError(err))
	}
	if err := c.reachable(); err != nil {
		// With UDP probes traceroute has printed its first line when
		// connect or bind fails; with -I and -T it fails before.
		if !c.report && udpLike(c.kind) {
			p.header(c.trace.max, c.size)
		}
		return sysFail(err)
	}
	// The method's sockets are opened here, in Run's goroutine (which a test
	// may have switched into a network namespace).
	m, err := openMethod(ctx, c.kind, c.probe)
	if err != nil {
		// As above: traceroute's UDP sets the options asked for (-g, -d,
		// --fwmark) after its first line.
		if !c.report && udpLike(c.kind) && strings.HasPrefix(sysError(err), "setsockopt ") {
			p.header(c.trace.max, c.size)
		}
		return sysFail(err)
	}
	defer m.close()
	if err := sockopt.DropCapabilities(); err != nil { // nothing more needs CAP_NET_RAW
		return sysFail(err)
	}
	if lv, ok := p.(*liveView); ok {
		if err := runLive(ctx, c.trace, m, lv); err != nil {
			return sysFail(err)
		}
		return cli.ExitOK
	}
	if c.report {
		if err := runReport(ctx, c.trace, m, c.cycles, p); err != nil {
			return sysFail(err)
		}
		return cli.ExitOK
	}
	p.header(c.trace.max, c.size)
	start := time.Now()
	t := newTracer(c.trace, m)
	hops := 0
	end, err := t.run(ctx, func(h hop) {
		hops++
		p.hop(h)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return sysFail(err)
	}
	p.summary(end, hops, t.sent, time.Since(start))
	return cli.ExitOK
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
