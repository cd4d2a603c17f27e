package garp

import (
	"io"
	"net"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"gnetutils/pkg/cli"
)

// neighStates names NUD states as ip neigh does.
var neighStates = []struct {
	bit  int
	name string
}{
	{netlink.NUD_INCOMPLETE, "INCOMPLETE"}, {netlink.NUD_REACHABLE, "REACHABLE"}, {netlink.NUD_STALE, "STALE"},
	{netlink.NUD_DELAY, "DELAY"}, {netlink.NUD_PROBE, "PROBE"}, {netlink.NUD_FAILED, "FAILED"},
	{netlink.NUD_NOARP, "NOARP"}, {netlink.NUD_PERMANENT, "PERMANENT"},
}

// runCache prints the kernel's neighbour table through netlink, one line
// per entry in ip neigh's format.
func runCache(p printer, iface string, stderr io.Writer) int {
	link := 0
	if iface != "" {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return command.Fail(stderr, cli.ExitUsage, "Device %s not available.", iface)
		}
		link = ifi.Index
	}
	neighs, err := netlink.NeighList(link, unix.AF_UNSPEC)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "netlink: %v", err)
	}
	for _, n := range neighs {
		if n.IP == nil || n.IP.IsMulticast() {
			continue
		}
		dev := ""
		if ifi, err := net.InterfaceByIndex(n.LinkIndex); err == nil {
			dev = ifi.Name
		}
		var states []string
		for _, s := range neighStates {
			if n.State&s.bit != 0 {
				states = append(states, s.name)
			}
		}
		if n.Flags&netlink.NTF_ROUTER != 0 {
			states = append([]string{"router"}, states...)
		}
		p.neighbour(n.IP.String(), dev, n.HardwareAddr.String(), strings.Join(states, " "))
	}
	return cli.ExitOK
}
