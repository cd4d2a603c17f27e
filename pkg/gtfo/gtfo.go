// Package gtfo is the gtfo tool; cmd/gtfo is its thin wrapper.
//
// gtfo serve is a TCP server with TCP Fast Open; gtfo get is a client that
// shows whether its request rode in the SYN and what that saved; gtfo compare
// measures TFO, TCP_NODELAY and TCP_QUICKACK against the kernel's own counters.
package gtfo

import (
	"context"
	"fmt"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gtfo",
	Synopsis: "serve|get|compare [options]",
	Summary:  "TCP Fast Open client and server, and a measured comparison of TFO,\nTCP_NODELAY and TCP_QUICKACK.",
	Extra: `commands:
  serve [-l ADDR:PORT] [-q QLEN] [-s SIZE]     TFO server; reports per connection whether the request was in the SYN
  get ADDR:PORT [-n N] [--no-tfo]              TFO client: time to connect and to first byte, data in SYN or not
  compare ADDR:PORT [-n N] [--json]            plain vs TFO, Nagle vs TCP_NODELAY, delayed ACK vs TCP_QUICKACK

'gtfo <command> --help' describes each. Example, on two hosts:
  sysctl -w net.ipv4.tcp_fastopen=3; gtfo serve -l :8080
  gtfo get 192.0.2.1:8080 -n 3`,
	Subcommands: []string{"serve", "get", "compare"},
}

// Run runs gtfo with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "serve", "server":
		return runServe(ctx, args[1:], stdout, stderr)
	case "get":
		return runGet(ctx, args[1:], stdout, stderr)
	case "compare":
		return runCompare(ctx, args[1:], stdout, stderr)
	}
	var common cli.Common
	fs := command.NewFlagSet(&common)
	if done, code := command.Parse(fs, &common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	if sub == "" {
		command.Usage(stderr, nil)
		return cli.ExitUsage
	}
	cli.Errorf(stderr, "gtfo", "unknown command %q (want serve, get or compare)", sub)
	fmt.Fprintln(stderr, "Try 'gtfo --help' for more information.")
	return cli.ExitUsage
}
