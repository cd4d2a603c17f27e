package gping

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/netroute"
	"gnetutils/pkg/sockopt"
)

// target is one host being pinged.
type target struct {
	host    string
	addr    netip.Addr
	name    string // how reply lines name it
	conn    *icmpx.Conn
	c       counts
	seq     uint16 // the last probe's sequence number
	acked   uint16 // the newest probe answered (ping's acked)
	sent    int
	pending map[uint16]time.Time // probes not yet answered
	lastTx  time.Time
	gaps    time.Duration
	// broadcast: addr is a broadcast address (allowed by -b), which ping
	// warns of before its header.
	broadcast bool
	sticky    netip.Addr // -B: the source bound at the start, for the header
	lastRoute []byte     // -R: the route the last reply recorded
}

// connConfig is the socket's Config towards addr; src is the source the
// routing table gives.
func (cfg *runConfig) connConfig(addr, src netip.Addr) icmpx.Config {
	c := cfg.icmp
	c.Dst = addr
	if cfg.sticky && !c.Src.IsValid() {
		c.Src = src // -B: as ping, the source stays what it is now
	}
	if cfg.ident >= 0 {
		// As ping: -e means a raw socket, for IPv4 only with -e 0; a
		// datagram socket's identifier is the kernel's.
		c.ID, c.SetID = uint16(cfg.ident), true
		c.Raw = c.Raw || addr.Is6() || cfg.ident == 0
	}
	if addr.Is6() {
		c.NodeInfo = cfg.nodeInfo
	}
	if len(c.IPOptions) > 0 && addr.Is4() {
		c.Raw = true // the reply's IP options are seen on a raw socket only
	}
	return c
}

// errBroadcast is ping's refusal of a broadcast address without -b.
//
//lint:ignore ST1005 ping's own words, capital and all
var errBroadcast = errors.New("Do you want to ping broadcast? Then -b. If not, check your local firewall rules")

// isBroadcast finds out as ping does whether addr is a broadcast address:
// the kernel refuses (EACCES) to connect a UDP socket without SO_BROADCAST
// to one.
func isBroadcast(addr netip.Addr) (bool, error) {
	if !addr.Is4() {
		return false, nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("socket: %s", cli.Strerror(err))
	}
	defer unix.Close(fd)
	err = unix.Connect(fd, sockopt.MustSockaddr(netip.AddrPortFrom(addr, 1025)))
	return errors.Is(err, unix.EACCES), nil
}

// openTargets resolves each host and opens its socket. With more than
// one, their events all come to events; one alone is read on the sending
// goroutine (runner.one). Its errors are the words Run prints. What it
// opened is returned, even with an error, for the caller to close.
func openTargets(ctx context.Context, hosts []string, family cli.Family, cfg runConfig, events chan icmpx.Event) ([]*target, error) {
	var targets []*target
	for _, host := range hosts {
		addr, err := cli.Resolve(ctx, host, family)
		if err != nil {
			return targets, err
		}
		// As ping does, find out first whether the kernel has a route:
		// no route is an error before any probe (exit 2), not a loss.
		src, err := netroute.Source(addr, cfg.icmp.Src)
		if err != nil {
			return targets, fmt.Errorf("connect: %s", cli.Strerror(err))
		}
		bcast, err := isBroadcast(addr)
		if err == nil && bcast && !cfg.icmp.Socket.Broadcast {
			err = errBroadcast
		}
		if err != nil {
			return targets, err
		}
		c := cfg.connConfig(addr, src)
		c.Events = events
		if len(hosts) == 1 {
			c.Events, c.Sync = nil, true
		}
		// Sockets are opened here, in Run's own goroutine: a caller that
		// switched this thread into a network namespace gets them there.
		conn, err := icmpx.Open(c)
		if err != nil {
			if errors.Is(err, icmpx.ErrPermission) {
				return targets, fmt.Errorf("socket: Operation not permitted: %v", err)
			}
			return targets, err
		}
		t := &target{host: host, addr: addr, conn: conn, name: cli.Ntop(addr), pending: map[uint16]time.Time{}}
		if _, err := netip.ParseAddr(host); err != nil {
			t.name = fmt.Sprintf("%s (%s)", host, cli.Ntop(addr))
		}
		t.broadcast = bcast
		if cfg.sticky {
			t.sticky = c.Src
		}
		t.c.flood = cfg.flood || cfg.adaptive // both print ipg/ewma
		// ping times no NI Query: its replies carry no timestamp.
		t.c.untimed = cfg.size < timedSize || c.NodeInfo != nil
		targets = append(targets, t)
	}
	return targets, nil
}
