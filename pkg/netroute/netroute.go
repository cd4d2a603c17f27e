// Package netroute answers, once for every tool, what the kernel's routing
// table says about a destination: the source address it would use and the
// interface that holds it. It asks the kernel itself (a connected UDP
// socket sends nothing), in the calling thread's network namespace.
package netroute

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Source is the address the kernel picks to reach dst (from, if valid, is
// bound first, as -I/-s options ask). With no route the error wraps the
// kernel's (ENETUNREACH, "Network is unreachable").
func Source(dst, from netip.Addr) (netip.Addr, error) {
	dst = dst.Unmap()
	network := "udp4"
	if dst.Is6() {
		network = "udp6"
	}
	var laddr *net.UDPAddr
	if from.IsValid() {
		laddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(from.Unmap(), 0))
	}
	c, err := net.DialUDP(network, laddr, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			return netip.Addr{}, oe.Err
		}
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// Interface is the interface the kernel sends to dst through (the one
// holding the source address it picks) and that source address.
func Interface(dst netip.Addr) (*net.Interface, netip.Addr, error) {
	src, err := Source(dst, netip.Addr{})
	if err != nil {
		return nil, netip.Addr{}, err
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, netip.Addr{}, err
	}
	for i := range ifaces {
		addrs, _ := ifaces[i].Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == src {
					return &ifaces[i], src, nil
				}
			}
		}
	}
	return nil, netip.Addr{}, fmt.Errorf("no interface holds %s, the source towards %s", src, dst)
}

// InterfaceMTU is the outgoing interface towards dst and its MTU.
func InterfaceMTU(dst netip.Addr) (string, int, error) {
	ifi, _, err := Interface(dst)
	if err != nil {
		return "", 0, err
	}
	return ifi.Name, ifi.MTU, nil
}

// InterfaceAddr is the interface's first address of the family that is
// not link-local (what a tool names as "from <addr> <dev>").
func InterfaceAddr(ifi *net.Interface, v6 bool) netip.Addr {
	addrs, _ := ifi.Addrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			ip, _ := netip.AddrFromSlice(n.IP)
			ip = ip.Unmap()
			if ip.IsValid() && ip.Is6() == v6 && !ip.IsLinkLocalUnicast() {
				return ip
			}
		}
	}
	return netip.Addr{}
}
