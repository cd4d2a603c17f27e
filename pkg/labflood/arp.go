package labflood

import (
	"encoding/binary"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netlab"
	"gnetutils/pkg/sockopt"
)

// ARPFrame is an Ethernet/IPv4 ARP frame (op 1 request, 2 reply) from
// sender, broadcast, padded to Ethernet's 60 bytes.
func ARPFrame(op uint16, sender net.HardwareAddr, senderIP, targetIP netip.Addr) []byte {
	b := make([]byte, 60)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(b[6:12], sender)
	binary.BigEndian.PutUint16(b[12:], unix.ETH_P_ARP)
	a := b[14:]
	binary.BigEndian.PutUint16(a[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(a[2:], 0x0800) // IPv4
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:], op)
	copy(a[8:14], sender)
	s, t := senderIP.As4(), targetIP.As4()
	copy(a[14:18], s[:])
	copy(a[24:28], t[:])
	return b
}

// StartARP floods the segment from dev in ns with the frames next makes
// (next(n) is the n-th, 0-based; it may reuse its buffer), until the
// limits.
func StartARP(ns *netlab.NS, dev string, l Limits, next func(n int) []byte) (*Flood, error) {
	var fd int
	var sa unix.SockaddrLinklayer
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		sa = unix.SockaddrLinklayer{Protocol: sockopt.Htons(unix.ETH_P_ARP), Ifindex: ifi.Index, Halen: 6}
		copy(sa.Addr[:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		// No receive protocol: the socket only sends, and a full
		// receive queue of our own flood would cost for nothing.
		if fd, err = sockopt.OpenPacket(0, unix.SOCK_RAW, 0); err != nil {
			return err
		}
		// Blocking sends: the flood goes as fast as the link takes it.
		return unix.SetNonblock(fd, false)
	})
	if err != nil {
		return nil, err
	}
	f := newFlood()
	go func() {
		defer unix.Close(fd)
		n := 0
		f.done <- l.pace(func() bool {
			_ = unix.Sendto(fd, next(n), 0, &sa)
			n++
			return !f.stop.Load()
		})
	}()
	return f, nil
}
