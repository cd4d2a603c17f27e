// Package gtraceroute is the gtraceroute tool; cmd/gtraceroute is its thin wrapper.
package gtraceroute

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gtraceroute",
	Synopsis: "[options] host [packetlen]",
	Summary:  "TTL-based path discovery with UDP, ICMP (-I) or TCP SYN (-T) probes, in\ntraceroute's format; Paris-style stable flows; --report for an mtr-style table.",
}

// Run runs gtraceroute with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
