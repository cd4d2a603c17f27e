package gtraceroute

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// The TCP flags the method reads and writes.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpACK = 0x10
	tcpECE = 0x40
	tcpCWR = 0x80
)

// tcpProbe is what -O makes of the TCP probes, as traceroute's tcp_init
// does: the flags, and the options after the header. By default (or with
// -O sysctl) the options are those the kernel's own connections would
// carry (net.ipv4.tcp_sack, tcp_timestamps, tcp_window_scaling, tcp_ecn).
type tcpProbe struct {
	flags                byte
	sack, tstamp, wscale bool
	mss                  uint32 // the MSS option's value; 0: the path MTU's
	info                 bool   // -O info: print the flags of the destination's answer
	reuse                bool   // -O reuse: SO_REUSEADDR on the socket that holds the port
}

// newTCPProbe reads o; sysctl answers whether a net.ipv4.tcp_* switch is on.
func newTCPProbe(o modOpts, sysctl func(name string) bool) tcpProbe {
	fl := o.tcpFlags
	if o.sysctl || fl == 0 {
		for _, s := range []struct {
			name string
			bit  int
		}{{"ecn", tcpFLECN}, {"sack", tcpFLSACK}, {"timestamps", tcpFLTstamp}, {"window_scaling", tcpFLWscale}} {
			if sysctl(s.name) {
				fl |= s.bit
			}
		}
	}
	if fl&(tcpFLFlags|0xff) == 0 { // no flag asked for: a SYN
		fl |= tcpSYN
		if fl&tcpFLECN != 0 {
			fl |= tcpECE | tcpCWR
		}
	}
	return tcpProbe{flags: byte(fl), sack: fl&tcpFLSACK != 0, tstamp: fl&tcpFLTstamp != 0, wscale: fl&tcpFLWscale != 0,
		mss: o.mss, info: o.info, reuse: o.reuse}
}

// tcpSysctl reads net.ipv4.tcp_<name> of the calling thread's namespace:
// on when it says 1 (tcp_ecn's 2, "only when asked", is off), as
// traceroute reads it.
func tcpSysctl(name string) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_" + name)
	return err == nil && strings.HasPrefix(string(b), "1")
}

// headerLen is the length of the probes' TCP header with its options:
// the whole probe, as traceroute sends no data.
func (p tcpProbe) headerLen() int {
	n := 20
	if p.flags&tcpSYN != 0 {
		n += 4 // MSS
	}
	switch {
	case p.tstamp:
		n += 12 // SACK permitted or two NOPs, timestamps
	case p.sack:
		n += 4
	}
	if p.wscale {
		n += 4
	}
	return n
}

// tcpCodec makes and reads the TCP method's segments: one source port for
// the whole trace (Paris), probes told apart by their sequence numbers,
// which the ICMP errors' quotes (the first 8 bytes of our header) and the
// destination's SYN-ACK or RST (ack = seq + 1) carry back; a probe with
// ACK set carries its own acknowledgement number too, which comes back as
// the sequence number of the RST it draws.
type tcpCodec struct {
	probe         tcpProbe
	src, dst      netip.Addr
	sport, dport  uint16
	base, ackBase uint32
	mss           uint16 // the path MTU's: the window is 4 of them
	hold          int    // the socket that holds sport (holdPort)
}

func newTCP(cfg probeConfig) (*rawEngine, error) {
	e, err := openRaw(cfg, unix.IPPROTO_TCP)
	if err != nil {
		return nil, err
	}
	c := &tcpCodec{probe: cfg.tcp, src: e.src, dst: e.dst, dport: cfg.port, base: rand.Uint32(), ackBase: rand.Uint32(), hold: -1}
	if c.hold, c.sport, err = holdPort(e.src, cfg.sport, unix.SOCK_STREAM, 0, c.probe.reuse); err != nil {
		e.Close()
		return nil, err
	}
	mtu := max(e.pathMTU(), 576)
	c.mss = uint16(mtu - sockopt.IPHeaderLen(e.v6) - 20)
	e.start(c)
	return e, nil
}

func (c *tcpCodec) close() { unix.Close(c.hold) }

// packet builds probe idx's segment, as traceroute's: the header, its
// options, no data.
func (c *tcpCodec) packet(idx, _ int) []byte {
	p := c.probe
	b := make([]byte, p.headerLen())
	binary.BigEndian.PutUint16(b[0:], c.sport)
	binary.BigEndian.PutUint16(b[2:], c.dport)
	binary.BigEndian.PutUint32(b[4:], c.base+uint32(idx))
	if p.flags&tcpACK != 0 {
		binary.BigEndian.PutUint32(b[8:], c.ackBase+uint32(idx))
	}
	b[12] = byte(len(b)/4) << 4
	b[13] = p.flags
	binary.BigEndian.PutUint16(b[14:], uint16(4*uint32(c.mss)))
	opt := b[20:]
	if p.flags&tcpSYN != 0 {
		mss := c.mss
		if p.mss != 0 {
			mss = uint16(p.mss)
		}
		opt[0], opt[1] = 2, 4
		binary.BigEndian.PutUint16(opt[2:], mss)
		opt = opt[4:]
	}
	switch {
	case p.tstamp:
		opt[0], opt[1] = 1, 1 // NOP, NOP
		if p.sack {
			opt[0], opt[1] = 4, 2 // SACK permitted
		}
		opt[2], opt[3] = 8, 10
		binary.BigEndian.PutUint32(opt[4:], rand.Uint32())
		if p.flags&tcpACK != 0 {
			binary.BigEndian.PutUint32(opt[8:], rand.Uint32())
		}
		opt = opt[12:]
	case p.sack:
		copy(opt, []byte{1, 1, 4, 2})
		opt = opt[4:]
	}
	if p.wscale {
		copy(opt, []byte{1, 3, 3, 2})
	}
	binary.BigEndian.PutUint16(b[16:], pseudoChecksum(c.src, c.dst, unix.IPPROTO_TCP, b))
	return b
}

// answer matches the destination's SYN-ACK or RST: to a probe without
// ACK it acknowledges our sequence number (and the SYN's or FIN's one
// more); to one with ACK, a RST's sequence number is our acknowledgement
// number.
func (c *tcpCodec) answer(b []byte) (idx int, info string, ok bool) {
	if len(b) < 20 || binary.BigEndian.Uint16(b[0:]) != c.dport || binary.BigEndian.Uint16(b[2:]) != c.sport {
		return 0, "", false
	}
	if b[13]&tcpACK != 0 {
		consumed := uint32(0)
		if c.probe.flags&tcpSYN != 0 {
			consumed++
		}
		if c.probe.flags&tcpFIN != 0 {
			consumed++
		}
		idx = int(binary.BigEndian.Uint32(b[8:]) - consumed - c.base)
	} else {
		if c.probe.flags&tcpACK == 0 {
			return 0, "", false
		}
		idx = int(binary.BigEndian.Uint32(b[4:]) - c.ackBase)
	}
	if c.probe.info {
		info = flagNames(b[13])
	}
	return idx, info, true
}

// quoted matches an ICMP error's quote of one of our segments.
func (c *tcpCodec) quoted(q []byte) (int, bool) {
	if len(q) < 8 || binary.BigEndian.Uint16(q[0:]) != c.sport || binary.BigEndian.Uint16(q[2:]) != c.dport {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(q[4:]) - c.base), true
}
