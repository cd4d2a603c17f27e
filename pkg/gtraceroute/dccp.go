package gtraceroute

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// dccpHeaderLen is a DCCP-Request's length, as traceroute sends it
// (RFC 4340 5.1): the generic header with a 48-bit sequence number (16
// bytes) and the service code.
const dccpHeaderLen = 20

// DCCP packet types (RFC 4340 5.1) that the method reads or writes.
const (
	dccpRequest = 0
	dccpData    = 2
)

// dccpCodec makes and reads the DCCP method's packets: DCCP-Requests from
// one source port for the whole trace (Paris), told apart by their
// sequence numbers, which the destination's Response or Reset
// acknowledges. An ICMP error quotes at least the first 8 bytes, which
// end with the checksum: unique to each probe, it names the probe where
// the quote stops short of the sequence number.
type dccpCodec struct {
	src, dst     netip.Addr
	sport, dport uint16
	service      uint32
	base         uint32
	// hold is the socket that holds sport (holdPort); -1 where the
	// kernel has no DCCP (Linux 6.16 and later): any port then serves,
	// and the kernel answers a Response with an ICMP error.
	hold int
	mu   sync.Mutex
	sums map[uint16]int // checksum -> probe
}

func newDCCP(cfg probeConfig) (*rawEngine, error) {
	e, err := openRaw(cfg, unix.IPPROTO_DCCP)
	if err != nil {
		return nil, err
	}
	c := &dccpCodec{src: e.src, dst: e.dst, dport: cfg.port, service: cfg.mod.service, base: rand.Uint32(), hold: -1, sums: map[uint16]int{}}
	if err := c.holdPort(cfg.sport); err != nil {
		e.Close()
		return nil, err
	}
	e.start(c)
	return e, nil
}

// holdPort holds the source port with a DCCP socket, as traceroute's;
// where the kernel has no DCCP, sport or a random port.
func (c *dccpCodec) holdPort(sport uint16) error {
	var err error
	c.hold, c.sport, err = holdPort(c.src, sport, unix.SOCK_DCCP, unix.IPPROTO_DCCP, false)
	var se *os.SyscallError
	if errors.As(err, &se) && se.Syscall == "socket" &&
		(errors.Is(err, unix.ESOCKTNOSUPPORT) || errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT)) {
		c.hold, c.sport = -1, sport
		if sport == 0 {
			c.sport = uint16(32768 + rand.IntN(28000))
		}
		return nil
	}
	return err
}

func (c *dccpCodec) close() {
	if c.hold >= 0 {
		unix.Close(c.hold)
	}
}

// packet builds probe idx's DCCP-Request, checksum over all of it.
func (c *dccpCodec) packet(idx, _ int) []byte {
	b := make([]byte, dccpHeaderLen)
	binary.BigEndian.PutUint16(b[0:], c.sport)
	binary.BigEndian.PutUint16(b[2:], c.dport)
	b[4] = dccpHeaderLen / 4                               // data offset
	b[8] = dccpRequest<<1 | 1                              // type, X: 48-bit sequence numbers
	binary.BigEndian.PutUint32(b[12:], c.base+uint32(idx)) // the low 32 of 48 bits
	binary.BigEndian.PutUint32(b[16:], c.service)
	sum := pseudoChecksum(c.src, c.dst, unix.IPPROTO_DCCP, b)
	binary.BigEndian.PutUint16(b[6:], sum)
	c.mu.Lock()
	c.sums[sum] = idx
	c.mu.Unlock()
	return b
}

// answer matches the destination's Response or Reset by the sequence
// number it acknowledges.
func (c *dccpCodec) answer(b []byte) (int, string, bool) {
	if len(b) < 24 || binary.BigEndian.Uint16(b[0:]) != c.dport || binary.BigEndian.Uint16(b[2:]) != c.sport || b[8]&1 == 0 {
		return 0, "", false
	}
	if typ := b[8] >> 1 & 0x0f; typ == dccpRequest || typ == dccpData {
		return 0, "", false // no acknowledgement
	}
	return int(binary.BigEndian.Uint32(b[20:]) - c.base), "", true
}

// quoted matches an ICMP error's quote of one of our Requests.
func (c *dccpCodec) quoted(q []byte) (int, bool) {
	if len(q) < 8 || binary.BigEndian.Uint16(q[0:]) != c.sport || binary.BigEndian.Uint16(q[2:]) != c.dport {
		return 0, false
	}
	if len(q) >= 16 {
		return int(binary.BigEndian.Uint32(q[12:]) - c.base), true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	idx, ok := c.sums[binary.BigEndian.Uint16(q[6:])]
	return idx, ok
}
