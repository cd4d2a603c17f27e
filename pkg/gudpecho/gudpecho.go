// Package gudpecho is the gudpecho tool; cmd/gudpecho is its thin wrapper.
// The engine is pkg/echo.
package gudpecho

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/echo"
)

var command = cli.Command{
	Name:     "gudpecho",
	Synopsis: "[-l addr] [-p port] [-w shards] | --client host:port | --bench host:port",
	Summary:  "UDP echo server sharded across cores with SO_REUSEPORT, guarded against\nreflection abuse; client and load-generator modes.",
	Extra: `It never answers source ports of reflecting or well-known services
(--blocked-ports), its own address, broadcast or multicast sources, and with
--rate at most N datagrams per second per source. Statistics (per shard, and
the kernel's UDP drop counters) print at exit, on SIGUSR1 and every --stats.`,
}

// Run runs gudpecho with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return echo.Run(ctx, "udp", command, args, stdin, stdout, stderr)
}
