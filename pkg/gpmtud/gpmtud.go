// Package gpmtud is the gpmtud tool; cmd/gpmtud is its thin wrapper.
package gpmtud

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gpmtud",
	Synopsis: "[options] host",
	Summary:  "Path-MTU discovery with DF probes that also finds the MTU when routers\ndrop ICMP frag-needed / packet-too-big (PLPMTUD).",
}

// Run runs gpmtud with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
