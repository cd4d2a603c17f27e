// Package gtcpecho is the gtcpecho tool; cmd/gtcpecho is its thin wrapper.
package gtcpecho

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gtcpecho",
	Synopsis: "[-l addr] [-p port] [-w shards] | --client host:port",
	Summary:  "TCP echo server sharded across cores with SO_REUSEPORT, with connection\nlimits and graceful shutdown; client and load-generator modes.",
}

// Run runs gtcpecho with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
