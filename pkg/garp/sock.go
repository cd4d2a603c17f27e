package garp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netroute"
	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// packetConn is an AF_PACKET socket bound to one interface that sees only
// ARP frames: the socket's protocol (ETH_P_ARP) is the kernel-side filter,
// so nothing else is copied to user space.
type packetConn struct {
	f     *os.File
	rc    syscall.RawConn
	ifi   *net.Interface
	frame chan received
	drops queue.Drops
}

type received struct {
	p   arpPacket
	at  time.Time
	raw []byte
}

func openPacket(ifi *net.Interface) (*packetConn, error) {
	fd, err := sockopt.OpenPacket(ifi.Index, unix.SOCK_RAW, unix.ETH_P_ARP)
	if err != nil {
		return nil, packetError(err, ifi.Name)
	}
	if err := sockopt.SetTimestampNS(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	c := &packetConn{f: os.NewFile(uintptr(fd), "arp"), ifi: ifi, frame: make(chan received, 1024)}
	if c.rc, err = c.f.SyscallConn(); err != nil {
		c.f.Close()
		return nil, err
	}
	go c.receive()
	return c, nil
}

// packetError words sockopt.OpenPacket's failure as garp always has,
// naming the missing capability.
func packetError(err error, ifname string) error {
	var se *os.SyscallError
	switch {
	case !errors.As(err, &se):
		return err
	case strings.HasPrefix(se.Syscall, "bind"):
		return fmt.Errorf("bind to %s: %w", ifname, se.Err)
	case errors.Is(se.Err, unix.EPERM):
		return fmt.Errorf("raw ARP frames need CAP_NET_RAW: setcap cap_net_raw+ep <binary> (make install does it), or run as root")
	}
	return fmt.Errorf("packet socket: %w", se.Err)
}

func (c *packetConn) send(frame []byte) (time.Time, error) {
	sa := &unix.SockaddrLinklayer{Protocol: sockopt.Htons(unix.ETH_P_ARP), Ifindex: c.ifi.Index, Halen: 6}
	copy(sa.Addr[:], frame[0:6])
	var serr error
	at := time.Now()
	err := c.rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), frame, 0, sa)
		return serr != unix.EAGAIN
	})
	if err == nil {
		err = serr
	}
	return at, err
}

// receive parses every ARP frame on the interface (ours included: the
// caller tells them apart) until the socket closes. It reads a batch at
// most per wake-up and never blocks on the frame channel: under a flood
// frames are dropped (drops counts them), neither piled up here nor left
// to stall the reader or the socket's close.
func (c *packetConn) receive() {
	defer close(c.frame)
	buf, oob := make([]byte, 2048), make([]byte, sockopt.OOBSize)
	for {
		var got []received
		err := c.rc.Read(func(fd uintptr) bool {
			for range queue.Batch {
				n, oobn, _, from, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_DONTWAIT)
				if err != nil {
					return len(got) > 0
				}
				if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
					continue // our own frames, looped back to the socket
				}
				p, err := parseARP(buf[:n])
				if err != nil {
					continue
				}
				anc, _ := sockopt.ParseAncillary(oob[:oobn])
				at := anc.Time
				if at.IsZero() {
					at = time.Now()
				}
				got = append(got, received{p: p, at: at, raw: append([]byte(nil), buf[:n]...)})
			}
			return true // a whole batch: hand it over, then read on
		})
		for _, r := range got {
			queue.Offer(c.frame, r, &c.drops)
		}
		if err != nil {
			return
		}
	}
}

func (c *packetConn) close() { c.f.Close() }

// interfaceFor picks the interface: the named one, or the one the routing
// table uses towards dst (the interface holding the source address the
// kernel picks), with its first IPv4 address.
func interfaceFor(name string, dst netip.Addr) (*net.Interface, netip.Addr, error) {
	if name != "" {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, netip.Addr{}, fmt.Errorf("Device %s not available.", name) //lint:ignore ST1005 arping's words
		}
		return ifi, netroute.InterfaceAddr(ifi, false), nil
	}
	ifi, src, err := netroute.Interface(dst)
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("no route to %s: %v; name an interface with -I", dst, err)
	}
	return ifi, src, nil
}
