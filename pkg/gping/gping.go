// Package gping is the gping tool; cmd/gping is its thin wrapper.
package gping

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gping",
	Synopsis: "[options] host...",
	Summary:  "ICMP echo (IPv4/IPv6) with iputils ping's flags, output and exit codes;\nseveral hosts at once, --json for pipelines.",
}

// Run runs gping with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
