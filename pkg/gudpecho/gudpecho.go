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
(--blocked-ports), its own port on any address (another echo server),
broadcast or multicast sources, and at most --rate datagrams per second
(default 1000; 0: no limit) per source /24 (IPv4) or /64 (IPv6), counted
in a table of fixed size. Statistics (per shard, and the kernel's UDP drop
counters) print at exit, on SIGUSR1 and every --stats.`,
}

// Run runs gudpecho with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return echo.Run(ctx, "udp", command, args, stdin, stdout, stderr)
}
