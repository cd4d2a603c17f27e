// Package gtfo is the gtfo tool; cmd/gtfo is its thin wrapper.
package gtfo

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gtfo",
	Synopsis: "serve|get|compare [options]",
	Summary:  "TCP Fast Open client and server, and a measured comparison of TFO,\nTCP_NODELAY and TCP_QUICKACK.",
}

// Run runs gtfo with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
