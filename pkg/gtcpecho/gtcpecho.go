// Package gtcpecho is the gtcpecho tool; cmd/gtcpecho is its thin wrapper.
// The engine is pkg/echo.
package gtcpecho

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/echo"
)

var command = cli.Command{
	Name:     "gtcpecho",
	Synopsis: "[-l addr] [-p port] [-w shards] | --client host:port | --bench host:port",
	Summary:  "TCP echo server sharded across cores with SO_REUSEPORT, with connection\nlimits and graceful shutdown; client and load-generator modes.",
	Extra: `Connections beyond --max-conns (default: what RLIMIT_NOFILE allows) or
beyond --max-conns-per-source from one IPv4 address or IPv6 /64 (default
128) are reset at once; a connection idle for --idle-timeout is closed, one
whose peer has not read its echo for --send-timeout is reset (both 1m).
On SIGTERM/SIGINT it stops accepting, serves the connections already
queued, echoes for --grace, then closes; statistics (per shard, and the
kernel's listen-queue drops) print at exit, on SIGUSR1 and every --stats.`,
}

// Run runs gtcpecho with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return echo.Run(ctx, "tcp", command, args, stdin, stdout, stderr)
}
