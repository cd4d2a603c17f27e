// Package gdig is the gdig tool; cmd/gdig is its thin wrapper.
package gdig

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gdig",
	Synopsis: "[@server] [options] name [type] [+options]",
	Summary:  "A dig-compatible DNS client. Without @server it resolves iteratively from\nthe root itself; +trace shows every step.",
}

// Run runs gdig with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
