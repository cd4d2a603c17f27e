package garp

import (
	"os"
	"strconv"
	"strings"
)

// A request on the wire is the 60-byte frame, its 4-byte FCS, the 8-byte
// preamble and the 12-byte gap before the next: 84 bytes, 672 bits. At 1
// Gb/s that is 1,488,095 frames a second, the line rate; a --rate above
// the link's would only fill the queues and lose frames (and, with the
// gap between requests rounding to zero, send as fast as the CPU goes).
const (
	wireBits       = (60 + 4 + 8 + 12) * 8
	perGbps        = 1_000_000_000 / wireBits
	unknownSpeedMb = 1000 // what a link is taken to carry when it does not say
)

// maxRate is the most ARP requests a second the interface carries, from
// the speed it reports (sysfs), 1 Gb/s when it reports none (virtual
// interfaces often do not).
func maxRate(ifname string) int {
	mbps := unknownSpeedMb
	if b, err := os.ReadFile("/sys/class/net/" + ifname + "/speed"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			mbps = v
		}
	}
	return mbps * perGbps / 1000
}
