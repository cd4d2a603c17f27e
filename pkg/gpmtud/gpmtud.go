// Package gpmtud is the gpmtud tool; cmd/gpmtud is its thin wrapper.
//
// gpmtud finds the path MTU to a host with DF probes. It follows the
// next-hop MTUs routers report, as tracepath does, and when a router drops
// its "fragmentation needed" / "packet too big" instead (an ICMP black
// hole), it finds the MTU by probing alone (PLPMTUD, RFC 4821/8899): the
// largest size that still gets through, bisected, with retries so one lost
// probe is not read as a limit.
package gpmtud

import (
	"context"
	"io"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/udpprobe"
)

var command = cli.Command{
	Name:     "gpmtud",
	Synopsis: "[options] host",
	Summary:  "Path-MTU discovery with DF probes that also finds the MTU when routers\ndrop ICMP frag-needed / packet-too-big (PLPMTUD).",
	Extra: `Probes are UDP datagrams to a closed port with DF set; the kernel's error
queue (IP_RECVERR) brings the answers, so no privilege is needed. -I probes
with ICMP echo instead (datagram ICMP sockets where ping_group_range allows,
raw otherwise).

output: "pmtu 1300 (icmp|probing) to ADDR: udp payload N, icmp payload N, tcp mss N"
exit status: 0 path MTU found (or -s size through), 1 target unreachable
(or -s size not through), 2 error.

examples:
  gpmtud 192.0.2.1               the path MTU
  gpmtud --hops -n 192.0.2.1     tracepath-style per-hop walk, names a black hole's hop
  gpmtud -s 1472 192.0.2.1       is a 1472-byte payload through? (exit 0/1)`,
}

// Run runs gpmtud with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f, done, code := parseFlags(args, stdout, stderr)
	if done {
		return code
	}
	c, err := newConfig(ctx, f)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	return c.run(ctx, newPrinter(stdout, c), stderr)
}

// returnHops is tracepath's "back": the answer's hop count, guessed from
// the TTL it arrived with.
func returnHops(o outcome) int {
	if o.replyTTL <= 0 {
		return 0
	}
	return udpprobe.ReturnHops(o.replyTTL)
}
