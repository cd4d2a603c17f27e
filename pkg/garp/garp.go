// Package garp is the garp tool; cmd/garp is its thin wrapper.
//
// garp speaks ARP over raw frames (AF_PACKET, frames built and parsed with
// gopacket's layers, no cgo): arping's probes, duplicate address
// detection and gratuitous ARP with arping's flags, output and exit codes;
// and beyond it a rate-bounded subnet scan, the kernel's neighbour table,
// and a watch that flags ARP spoofing.
package garp

import (
	"context"
	"io"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
)

// Run runs garp with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, changed, done, code := parseFlags(args, stdout, stderr)
	if done {
		return code
	}
	if code, err := o.check(changed); err != nil {
		return command.Fail(stderr, code, "%v", err)
	}
	return o.run(ctx, newPrinter(&o, stdout, stderr), stderr)
}

// run runs the mode the checked options ask for.
func (o *options) run(ctx context.Context, p printer, stderr io.Writer) int {
	if o.cache {
		return runCache(p, o.iface, stderr)
	}
	// A failed write to the --pcap file ends every mode (session.record).
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	// -w bounds --scan and --watch from here; arping's probes count it
	// from the first probe (session.arping).
	bounded := ctx
	if o.deadline > 0 {
		var cancel context.CancelFunc
		bounded, cancel = context.WithTimeout(ctx, time.Duration(o.deadline*float64(time.Second)))
		defer cancel()
	}
	switch {
	case o.scan != "":
		return withSocket(*o, o.prefix.Addr().Next(), stderr, p, abort, func(s *session) int { return s.scan(bounded, o.prefix) })
	case o.watch:
		return withSocket(*o, netip.Addr{}, stderr, p, abort, func(s *session) int { return s.watch(bounded, o.once) })
	}
	dst, err := cli.Resolve(ctx, o.args[0], cli.IPv4Only)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	return withSocket(*o, dst, stderr, p, abort, func(s *session) int { return s.arping(ctx, dst) })
}
