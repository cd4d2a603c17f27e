package probes

import (
	"sync"
	"time"

	"gnetutils/pkg/queue"
	"gnetutils/pkg/udpprobe"
)

// UDP probes with UDP datagrams to one port through pkg/udpprobe (one
// 5-tuple for every probe, answers from the error queue: no privilege).
type UDP struct {
	p *udpprobe.Prober
	// mu is held across a send: an answer can be back before Send returns,
	// and the pump must find its id.
	mu   sync.Mutex
	ids  map[uint32]int // udpprobe's probe id -> ours
	out  chan Answer
	done chan struct{}
	once sync.Once

	drops queue.Drops // answers the reader had no room for
}

// NewUDP opens the UDP prober.
func NewUDP(cfg udpprobe.Config) (*UDP, error) {
	p, err := udpprobe.New(cfg)
	if err != nil {
		return nil, err
	}
	u := &UDP{p: p, ids: map[uint32]int{}, out: make(chan Answer, 256), done: make(chan struct{})}
	go u.pump()
	return u, nil
}

// Send sends probe id; a probe larger than the interface MTU fails with
// *udpprobe.LocalMTUError.
func (u *UDP) Send(id, ttl, size int) (time.Time, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	pr, err := u.p.Send(ttl, size)
	if err != nil {
		return pr.Sent, err
	}
	u.ids[pr.ID] = id
	return pr.Sent, nil
}

// pump hands the answers over without ever blocking, as ICMP's does.
func (u *UDP) pump() {
	defer close(u.done)
	defer close(u.out)
	for a := range u.p.Answers() {
		u.mu.Lock()
		id, ok := u.ids[a.Probe.ID]
		u.mu.Unlock()
		if !ok {
			continue
		}
		queue.Offer(u.out, Answer{ID: id, Kind: a.Kind, From: a.From, At: a.At, RTT: a.RTT, TTL: a.ReplyTTL,
			Type: a.Type, Code: a.Code, ICMPv6: a.ICMPv6, MTU: a.MTU}, &u.drops)
	}
}

// Answers delivers the answers until Close.
func (u *UDP) Answers() <-chan Answer { return u.out }

// Drops is how many answers found no room: the reader fell behind.
func (u *UDP) Drops() uint64 { return u.drops.Count() + u.p.Drops() }

// Interface is the outgoing interface towards the destination and its MTU
// ("", 0 if unknown), as they were when the prober was opened.
func (u *UDP) Interface() (string, int) { return u.p.Interface() }

// Close closes the socket and the Answers channel.
func (u *UDP) Close() error {
	var err error
	u.once.Do(func() {
		err = u.p.Close()
		<-u.done
	})
	return err
}
