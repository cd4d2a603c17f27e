package gtfo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The bits of net.ipv4.tcp_fastopen (Documentation/networking/ip-sysctl.rst).
// The sysctl is per network namespace and covers IPv6 too.
const (
	tfoClientBit = 0x1 // send data in the SYN when a cookie is cached
	tfoServerBit = 0x2 // accept data in the SYN on listeners with TCP_FASTOPEN
)

const tfoSysctl = "/proc/sys/net/ipv4/tcp_fastopen"

// readFastOpenSysctl returns net.ipv4.tcp_fastopen of the caller's namespace.
func readFastOpenSysctl() (int, error) {
	b, err := os.ReadFile(tfoSysctl)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", tfoSysctl, err)
	}
	return int(v), nil
}

// missingBit explains a missing bit of net.ipv4.tcp_fastopen and how to set
// it; "" when the bit is there.
func missingBit(value, bit int) string {
	if value&bit != 0 {
		return ""
	}
	role, effect := "client", "connections from here send no data in the SYN"
	if bit == tfoServerBit {
		role, effect = "server", "listeners here do not accept data in a SYN"
	}
	return fmt.Sprintf("net.ipv4.tcp_fastopen=%d lacks the %s bit (0x%x): %s; set it with: sysctl -w net.ipv4.tcp_fastopen=%d",
		value, role, bit, effect, value|bit)
}
