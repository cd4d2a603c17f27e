package icmpx

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// setup makes the new socket what cfg asks for, in this order: what it
// receives, what it lets through (raw), how it sends, where it is bound;
// then learns the identifier of our probes.
func (c *Conn) setup(fd int, cfg Config) error {
	if err := c.setReceive(fd); err != nil {
		return err
	}
	if c.raw {
		if err := setFilter(fd, c.v6, c.ni != nil); err != nil {
			return err
		}
	}
	if err := setSend(fd, c.v6, cfg); err != nil {
		return err
	}
	var err error
	if c.markErr, err = cfg.Socket.set(fd, c.v6); err != nil {
		return err
	}
	if len(cfg.IPOptions) > 0 && !c.v6 {
		if err := sockopt.SetIPOptions(fd, cfg.IPOptions); err != nil {
			return fmt.Errorf("record route: %w", err)
		}
	}
	if cfg.SetFlowLabel && c.v6 {
		if err := c.setFlowLabel(fd, cfg.FlowLabel, cfg.SharedFlowLabel); err != nil {
			return err
		}
	}
	if err := c.bind(fd, cfg); err != nil {
		return err
	}
	if cfg.Connect {
		if err := unix.Connect(fd, sockopt.MustSockaddr(netip.AddrPortFrom(c.dst, 0))); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
	}
	return c.setID(fd, cfg)
}

// setReceive asks for the receive time, the TTL and the error queue.
func (c *Conn) setReceive(fd int) error {
	v6 := c.v6
	for _, set := range []struct {
		name string
		err  func() error
	}{
		{"SO_TIMESTAMPNS", func() error { return sockopt.SetTimestampNS(fd, true) }},
		// A raw IPv4 socket delivers the IP header, TTL and all
		// (fromPacket reads it there): the control message would cost
		// every packet for nothing.
		{"IP_RECVTTL", func() error { return sockopt.SetRecvTTL(fd, v6, !c.raw || v6) }},
		{"IP_RECVERR", func() error { return sockopt.SetRecvErr(fd, v6, true) }},
	} {
		if err := set.err(); err != nil {
			return fmt.Errorf("%s: %w", set.name, err)
		}
	}
	return nil
}

// setFilter: a raw socket gets every ICMP message the host receives: let
// through only the echo reply and the errors Parse reads (as ping does),
// so echo requests, neighbour discovery and the like never wake it. NI
// Queries get NI Replies only, as ping's: no error can quote an echo
// request of theirs.
func setFilter(fd int, v6, nodeInfo bool) error {
	if nodeInfo {
		if err := sockopt.SetICMPFilter(fd, v6, NIReplyType); err != nil {
			return fmt.Errorf("ICMP filter: %w", err)
		}
		return nil
	}
	pass := []uint8{v4EchoReply}
	if v6 {
		pass = []uint8{v6EchoReply}
	}
	for t := 0; t < 128; t++ {
		if isError(v6, uint8(t)) {
			pass = append(pass, uint8(t))
		}
	}
	if err := sockopt.SetICMPFilter(fd, v6, pass...); err != nil {
		return fmt.Errorf("ICMP filter: %w", err)
	}
	return nil
}

// setSend sets the TTL, TOS and DF of the probes.
func setSend(fd int, v6 bool, cfg Config) error {
	if cfg.TTL > 0 {
		if err := sockopt.SetTTL(fd, v6, cfg.TTL); err != nil {
			return fmt.Errorf("TTL %d: %w", cfg.TTL, err)
		}
	}
	if cfg.TOS != 0 {
		if err := sockopt.SetTOS(fd, v6, cfg.TOS); err != nil {
			return fmt.Errorf("TOS %#x: %w", cfg.TOS, err)
		}
	}
	if !cfg.SetPMTUD {
		return nil
	}
	if err := sockopt.SetMTUDiscover(fd, v6, cfg.PMTUD); err != nil {
		return fmt.Errorf("path MTU discovery mode: %w", err)
	}
	if v6 {
		df := 0
		if cfg.PMTUD == sockopt.PMTUDDo || cfg.PMTUD == sockopt.PMTUDProbe {
			df = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, df); err != nil {
			return fmt.Errorf("IPV6_DONTFRAG: %w", err)
		}
	}
	return nil
}

// bind binds the socket to the device and the source address asked for; a
// datagram socket is always bound, which gives it its identifier.
func (c *Conn) bind(fd int, cfg Config) error {
	if cfg.Control != nil {
		if err := cfg.Control(fd); err != nil {
			return err
		}
	}
	if cfg.Device != "" {
		if err := sockopt.SetBindToDevice(fd, cfg.Device); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("binding to interface %s needs CAP_NET_RAW (setcap cap_net_raw+ep <binary>)", cfg.Device)
			}
			return fmt.Errorf("interface %s: %w", cfg.Device, err)
		}
	}
	if !cfg.Src.IsValid() && c.raw {
		return nil
	}
	src := cfg.Src.Unmap()
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
		if c.v6 {
			src = netip.IPv6Unspecified()
		}
	}
	if src.Is6() != c.v6 {
		return fmt.Errorf("source %v and destination %v are of different families", src, c.dst)
	}
	if err := unix.Bind(fd, sockopt.MustSockaddr(netip.AddrPortFrom(src, 0))); err != nil {
		return fmt.Errorf("bind %v: %w", src, err)
	}
	return nil
}

// setID gives a raw socket's probes the identifier asked for, or one at
// random; a datagram ICMP socket's identifier is its local "port".
func (c *Conn) setID(fd int, cfg Config) error {
	if c.raw && cfg.SetID {
		c.id = cfg.ID
		return nil
	}
	if c.raw {
		c.id = uint16(rand.Uint32())
		if c.id == 0 {
			c.id = 1
		}
		return nil
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	c.id = sockopt.AddrPortOf(sa).Port()
	return nil
}

// Switches are the socket options ping's flags set, each only when asked
// for (the zero value sets nothing).
type Switches struct {
	Debug      bool   // SO_DEBUG (ping -d)
	DontRoute  bool   // SO_DONTROUTE (ping -r)
	Broadcast  bool   // SO_BROADCAST (ping -b)
	NoLoop     bool   // IP_MULTICAST_LOOP off (ping -L)
	Mark       uint32 // SO_MARK (ping -m); 0: none
	SendBuffer int    // SO_SNDBUF (ping -S); 0: the kernel's default
}

// set sets on fd what s asks for. As ping, a socket the kernel refuses
// SO_DEBUG or SO_MARK (both want CAP_NET_ADMIN) is used all the same:
// SO_DEBUG's refusal goes unsaid, as ping's, SO_MARK's is markErr, for
// the caller's warning.
func (s Switches) set(fd int, v6 bool) (markErr, err error) {
	if s.Debug {
		_ = sockopt.SetDebug(fd, true)
	}
	if s.Mark != 0 {
		markErr = sockopt.SetMark(fd, s.Mark)
	}
	for _, o := range []struct {
		name string
		on   bool
		set  func() error
	}{
		{"SO_DONTROUTE", s.DontRoute, func() error { return sockopt.SetDontRoute(fd, true) }},
		{"SO_BROADCAST", s.Broadcast, func() error { return sockopt.SetBroadcast(fd, true) }},
		{"multicast loopback off", s.NoLoop, func() error { return sockopt.SetMulticastLoop(fd, v6, false) }},
		{"SO_SNDBUF", s.SendBuffer != 0, func() error { return sockopt.SetSendBuffer(fd, s.SendBuffer) }},
	} {
		if !o.on {
			continue
		}
		if err := o.set(); err != nil {
			return markErr, fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return markErr, nil
}

// setFlowLabel gets flow label label (0: one at random) for the probes,
// as ping -F: granted for this socket and destination, then written into
// every sendto's destination address, which IPV6_FLOWINFO_SEND lets
// through.
func (c *Conn) setFlowLabel(fd int, label uint32, shared bool) error {
	request := sockopt.RequestFlowLabel
	if shared {
		request = sockopt.RequestSharedFlowLabel
	}
	got, err := request(fd, c.dst, label)
	if err != nil {
		return fmt.Errorf("can't set flowlabel: %w", err)
	}
	if err := sockopt.SetFlowInfoSend(fd, true); err != nil {
		return fmt.Errorf("can't send flowinfo: %w", err)
	}
	c.flow = got
	c.dstSA.Flowinfo = sockopt.Htonl(got)
	return nil
}
