package probes

import (
	"encoding/binary"
	"sync"
	"time"

	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// ICMP probes with ICMP echo requests through pkg/icmpx. The sequence
// number tells probes apart; two payload bytes cancel its change in the
// checksum, so every probe carries the same ICMP checksum (Paris
// traceroute: routers that hash ICMP flows on it keep them on one path).
// icmpx's cookie follows them: it is the same in every probe.
type ICMP struct {
	c  *icmpx.Conn
	v6 bool
	mu sync.Mutex
	// ids is the id of the probe that last used each sequence number
	// (they wrap at 65536).
	ids  map[uint16]int
	out  chan Answer
	done chan struct{}
	once sync.Once

	drops queue.Drops // answers the reader had no room for
}

// defaultTTL is a probe's TTL when Send is given none: once a TTL was set
// the socket has no default to return to.
const defaultTTL = 64

// NewICMP opens the ICMP socket.
func NewICMP(cfg icmpx.Config) (*ICMP, error) {
	cfg.CookieAt = 2
	c, err := icmpx.Open(cfg)
	if err != nil {
		return nil, err
	}
	p := &ICMP{c: c, v6: cfg.Dst.Unmap().Is6(), ids: map[uint16]int{}, out: make(chan Answer, 256), done: make(chan struct{})}
	go p.pump()
	return p, nil
}

// Send sends probe id; a probe the local stack refused fails with
// *icmpx.LocalErr.
func (p *ICMP) Send(id, ttl, size int) (time.Time, error) {
	if ttl <= 0 {
		ttl = defaultTTL
	}
	if err := p.c.SetTTL(ttl); err != nil {
		return time.Time{}, err
	}
	seq := uint16(id + 1)
	payload := make([]byte, max(size-sockopt.IPHeaderLen(p.v6)-8, 2))
	// seq + ^seq = 0xffff in ones' complement: the checksum stays put.
	binary.BigEndian.PutUint16(payload, ^seq)
	p.mu.Lock()
	p.ids[seq] = id
	p.mu.Unlock()
	return p.c.Send(seq, payload)
}

// pump hands the answers over without ever blocking: a reader that falls
// behind a flood loses answers (Drops), never the pump its socket.
func (p *ICMP) pump() {
	defer close(p.done)
	defer close(p.out)
	for ev := range p.c.Events() {
		if ev.Sent.IsZero() || ev.Dup || ev.Kind == icmpx.LocalError {
			continue // not our probe's, a duplicate, or Send's error already
		}
		p.mu.Lock()
		id, ok := p.ids[ev.Seq]
		p.mu.Unlock()
		if !ok {
			continue
		}
		queue.Offer(p.out, Answer{ID: id, Kind: ev.Kind, From: ev.From, At: ev.At, RTT: ev.RTT, TTL: ev.TTL,
			Type: ev.Type, Code: ev.Code, ICMPv6: ev.ICMPv6, MTU: ev.MTU, MPLS: ev.MPLS}, &p.drops)
	}
}

// Answers delivers the answers until Close.
func (p *ICMP) Answers() <-chan Answer { return p.out }

// Drops is how many answers found no room: the reader fell behind.
func (p *ICMP) Drops() uint64 { return p.drops.Count() + p.c.Drops() }

// Close closes the socket and the Answers channel.
func (p *ICMP) Close() error {
	var err error
	p.once.Do(func() {
		err = p.c.Close()
		<-p.done
	})
	return err
}
