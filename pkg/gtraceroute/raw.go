package gtraceroute

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"gnetutils/pkg/sockopt"
)

// rawIPCodec makes and reads the raw method's packets: IP packets of any
// protocol with no header of their own, traceroute's pattern for a
// payload. Nothing in the destination's answer names a probe, so the
// probes go one at a time (-N 1), as traceroute's, and an answer is for
// the probe last sent; a probe of 8 bytes or more starts with a token and
// its index, which an ICMP error's quote brings back.
type rawIPCodec struct {
	v6    bool
	token [4]byte
	mu    sync.Mutex
	last  int // the probe in flight
}

func newRawIP(cfg probeConfig) (*rawEngine, error) {
	e, err := openRaw(cfg, cfg.mod.protocol)
	if err != nil {
		return nil, err
	}
	c := &rawIPCodec{v6: e.v6, last: -1}
	_, _ = rand.Read(c.token[:])
	e.start(c)
	return e, nil
}

// packet is probe idx's payload: size less the IP header.
func (c *rawIPCodec) packet(idx, size int) []byte {
	b := make([]byte, max(size-sockopt.IPHeaderLen(c.v6), 0))
	for i := range b {
		b[i] = 0x40 + byte(i&0x3f)
	}
	if len(b) >= 8 {
		copy(b, c.token[:])
		binary.BigEndian.PutUint32(b[4:], uint32(idx))
	}
	c.mu.Lock()
	c.last = idx
	c.mu.Unlock()
	return b
}

func (c *rawIPCodec) inFlight() (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.last >= 0
}

// answer: whatever the destination sends in the protocol answers the
// probe in flight.
func (c *rawIPCodec) answer([]byte) (int, string, bool) {
	idx, ok := c.inFlight()
	return idx, "", ok
}

// quoted reads the token and index a quote holds, the probe in flight
// where it is too short to hold them.
func (c *rawIPCodec) quoted(q []byte) (int, bool) {
	if len(q) < 8 {
		return c.inFlight()
	}
	if [4]byte(q[:4]) != c.token {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(q[4:])), true
}
