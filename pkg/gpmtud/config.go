package gpmtud

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/udpprobe"
)

// config is a checked command line.
type config struct {
	host      string     // the target as given
	addr      netip.Addr // what it resolved to
	port      uint16
	device    string
	icmp      bool
	json      bool
	verbose   bool
	both      bool // -b: hops as "name (addr)"
	hops      bool // --hops: walk hop by hop
	maxHops   int
	check     int // -s: the one UDP payload size to check, 0 for a search
	start     int // -l: the first packet size, 0 for the interface's MTU
	floor     int // the smallest MTU the family allows
	retries   int
	maxProbes int
	wait      time.Duration // for one answer
	deadline  time.Duration // for the whole run
}

// newConfig checks f. Every refusal is bad usage (exit 2), named in this
// order when there are several.
func newConfig(ctx context.Context, f flags) (config, error) {
	switch {
	case len(f.args) != 1:
		return config{}, fmt.Errorf("expected one host, got %d arguments (try --help)", len(f.args))
	case f.family.V4 && f.family.V6:
		return config{}, errors.New("-4 and -6 exclude each other")
	case f.wait <= 0 || f.limit <= 0:
		return config{}, errors.New("--wait and --timeout must be positive")
	case f.retries < 0 || f.retries > 10:
		return config{}, errors.New("--retries must be between 0 and 10")
	case f.maxHops < 1 || f.maxHops > 255:
		return config{}, errors.New("-m must be between 1 and 255")
	case f.maxProbe < 1:
		return config{}, errors.New("--max-probes must be positive")
	case f.port == 0:
		return config{}, errors.New("port 0 is not a destination port")
	}
	addr, err := cli.Resolve(ctx, f.args[0], f.family.Family())
	if err != nil {
		return config{}, err
	}
	c := config{
		host: f.args[0], addr: addr, port: f.port, device: f.device, icmp: f.icmp,
		json: f.common.JSON, verbose: f.verbose, both: f.both, hops: f.hops, maxHops: f.maxHops,
		check: f.check, start: f.start, floor: 68, retries: f.retries, maxProbes: f.maxProbe,
		wait:     time.Duration(f.wait * float64(time.Second)),
		deadline: time.Duration(f.limit * float64(time.Second)),
	}
	if addr.Is6() {
		c.floor = 1280
	}
	return c, nil
}

// startSize is the first packet size to try: -l, or else the outgoing
// interface's MTU.
func (c config) startSize(ifMTU int) (int, error) {
	start := c.start
	if start == 0 {
		start = ifMTU
	}
	if start == 0 {
		start = 1500
	}
	largest := largestPacket(c.addr.Is6())
	if c.start == 0 && start > largest {
		start = largest // an interface's MTU may pass what one IPv4 packet can carry (loopback's 65536)
	}
	lowest := max(c.floor, udpprobe.HeaderLen(c.addr.Is6())+udpprobe.PayloadMin)
	if start < lowest || start > largest {
		return 0, fmt.Errorf("start size %d out of range %d..%d", start, lowest, largest)
	}
	return start, nil
}

// largestPacket is the longest packet of the family, headers and all: an
// IPv4 packet's length field counts its header, an IPv6 one's does not
// (so loopback's MTU of 65536 is a path MTU over IPv6, as tracepath says,
// and not over IPv4).
func largestPacket(v6 bool) int {
	if v6 {
		return 40 + 65535
	}
	return 65535
}

// checkSize is the packet size of -s's payload.
func (c config) checkSize() (int, error) {
	hdr := udpprobe.HeaderLen(c.addr.Is6())
	largest := largestPacket(c.addr.Is6())
	if c.check < udpprobe.PayloadMin || c.check+hdr > largest {
		return 0, fmt.Errorf("-s %d out of range %d..%d", c.check, udpprobe.PayloadMin, largest-hdr)
	}
	return c.check + hdr, nil
}
