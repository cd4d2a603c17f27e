package labflood

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netlab"
	"gnetutils/pkg/sockopt"
)

// StartICMP floods victim (IPv4) from ns: it watches the probes that reach
// ns (echo requests and UDP datagrams from victim) and answers each many
// times over, with echo replies that copy the request and time-exceeded
// errors that quote the probe, so the flood passes the prober's matching
// and fills its queues; between them, echo replies and errors that match
// nothing, which the prober must read and discard. It stops at the limits.
func StartICMP(ns *netlab.NS, victim netip.Addr, l Limits) (*Flood, error) {
	var send, icmpIn, udpIn int
	err := ns.Do(func() error {
		var err error
		if send, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP); err != nil {
			return err
		}
		// Raw sockets get a copy of every ICMP message and UDP datagram
		// that arrives: the probes to mirror.
		if icmpIn, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP); err != nil {
			return err
		}
		udpIn, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
		return err
	})
	if err != nil {
		return nil, err
	}
	f := newFlood()
	go func() {
		defer unix.Close(send)
		defer unix.Close(icmpIn)
		defer unix.Close(udpIn)
		m := &mirror{victim: victim.As4()}
		to := &unix.SockaddrInet4{Addr: victim.As4()}
		n := 0
		f.done <- l.pace(func() bool {
			if n%64 == 0 {
				m.sniff(icmpIn)
				m.sniff(udpIn)
			}
			n++
			_ = unix.Sendto(send, m.next(n), 0, to)
			return !f.stop.Load()
		})
	}()
	return f, nil
}

// mirror holds the last probes seen and builds the flood's messages.
type mirror struct {
	victim [4]byte
	echo   []byte // the last echo request from victim: ICMP header on
	probe  []byte // the last probe from victim: IP header on
	buf    [2048]byte
}

// sniff keeps the newest echo request and probe that victim sent.
func (m *mirror) sniff(fd int) {
	for {
		n, _, err := unix.Recvfrom(fd, m.buf[:], unix.MSG_DONTWAIT)
		if err != nil {
			return
		}
		pkt := m.buf[:n]
		if n < 20 || [4]byte(pkt[12:16]) != m.victim {
			continue
		}
		hl := int(pkt[0]&0x0f) * 4
		switch {
		case pkt[9] == unix.IPPROTO_ICMP && n >= hl+8 && pkt[hl] == 8:
			m.echo = append(m.echo[:0], pkt[hl:]...)
			m.probe = append(m.probe[:0], pkt...)
		case pkt[9] == unix.IPPROTO_UDP:
			m.probe = append(m.probe[:0], pkt...)
		}
	}
}

// next is the flood's n-th message: in turn a copy of the echo request
// as a reply, a time exceeded quoting the last probe, and one that
// matches nothing.
func (m *mirror) next(n int) []byte {
	switch {
	case n%3 == 0 && m.echo != nil:
		b := append([]byte(nil), m.echo...)
		b[0], b[1] = 0, 0 // echo reply
		return checksummed(b)
	case n%3 == 1 && m.probe != nil:
		q := m.probe[:min(len(m.probe), 548)]
		return checksummed(append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, q...))
	}
	b := make([]byte, 64)
	b[0] = 0
	binary.BigEndian.PutUint32(b[4:], rand.Uint32()) // identifier and sequence
	return checksummed(b)
}

// checksummed is the ICMP message b with its checksum filled in.
func checksummed(b []byte) []byte {
	b[2], b[3] = 0, 0
	binary.BigEndian.PutUint16(b[2:], sockopt.Checksum(b))
	return b
}
