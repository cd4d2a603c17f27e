// Package gudpecho is the gudpecho tool; cmd/gudpecho is its thin wrapper.
package gudpecho

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gudpecho",
	Synopsis: "[-l addr] [-p port] [-w shards] | --client host:port",
	Summary:  "UDP echo server sharded across cores with SO_REUSEPORT, guarded against\nreflection abuse; client and load-generator modes.",
}

// Run runs gudpecho with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return command.NotImplemented(args, stdout, stderr)
}
