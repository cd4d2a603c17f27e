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
func runCache(out *output, iface string, stderr io.Writer) int {
	link := 0
	if iface != "" {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			cli.Errorf(stderr, command.Name, "Device %s not available.", iface)
			return cli.ExitUsage
		}
		link = ifi.Index
	}
	neighs, err := netlink.NeighList(link, unix.AF_UNSPEC)
	if err != nil {
		cli.Errorf(stderr, command.Name, "netlink: %v", err)
		return cli.ExitUsage
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
		line := n.IP.String() + " dev " + dev
		if len(n.HardwareAddr) > 0 {
			line += " lladdr " + n.HardwareAddr.String()
		}
		line += " " + strings.Join(states, " ")
		out.text("%s", line)
		out.json(map[string]any{"type": "neighbour", "addr": n.IP.String(), "dev": dev, "mac": n.HardwareAddr.String(), "state": strings.Join(states, " ")})
	}
	return cli.ExitOK
}
