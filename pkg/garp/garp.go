// Package garp is the garp tool; cmd/garp is its thin wrapper.
package garp

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "garp",
	Synopsis: "[options] target | --scan CIDR | --cache | --watch",
	Summary:  "ARP over raw frames: arping-compatible lookups and duplicate address\ndetection, subnet scan, the kernel neighbour cache, and an ARP spoofing watch.",
}

// Run runs garp with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
