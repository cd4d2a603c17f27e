// Package gping is the gping tool; cmd/gping is its thin wrapper.
//
// gping stands in for iputils ping: the same flags, output line for line,
// statistics digit for digit and exit codes, on the shared probe engine
// pkg/icmpx. It also pings several hosts at once (as fping does), each
// line naming its host and a summary per host at the end, and prints NDJSON
// with --json.
package gping

import (
	"context"
	"errors"
	"fmt"
	"io"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/sockopt"
)

// Run runs gping with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, changed, done, code := parseFlags(args, stdout, stderr)
	if done {
		return code
	}
	// As ping, the -N words are read with the options, before the host
	// is looked for.
	if done, code := o.readNodeInfo(ctx, stdout, stderr); done {
		return code
	}
	cfg, err := o.check(changed)
	if err != nil {
		var bad cli.BadNumber
		if errors.As(err, &bad) {
			return command.Fail(stderr, cli.ExitBadNumber, "%v", err)
		}
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	if len(o.hosts) == 0 {
		return command.Fail(stderr, cli.ExitUsage, "usage error: Destination address required")
	}
	if err := graphRefusal(&o, stdout); err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	events := make(chan icmpx.Event, 1024)
	targets, err := openTargets(ctx, o.hosts, o.family.Family(), cfg, events)
	defer func() {
		for _, t := range targets {
			t.conn.Close()
		}
	}()
	if err == nil {
		err = sockopt.DropCapabilities() // the sockets are open: nothing more needs CAP_NET_RAW
	}
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	for _, t := range targets {
		if err := t.conn.MarkErr(); err != nil {
			fmt.Fprintf(stderr, "%s: WARNING: failed to set mark: %d: %s\n", command.Name, cfg.icmp.Socket.Mark, cli.Strerror(err))
		}
		if t.broadcast {
			fmt.Fprintln(stderr, "WARNING: pinging broadcast address")
		}
	}
	r := &runner{cfg: cfg, targets: targets, events: events, stderr: stderr, eager: cfg.zeroInterval}
	r.p = newPrinter(&o, &r.cfg, stdout, stderr)
	if o.graph {
		var g *graphPrinter
		ctx, g = newGraph(ctx, r.p, r.cfg.interval, stderr)
		defer g.close()
		r.p = g
	}
	return r.run(ctx)
}
