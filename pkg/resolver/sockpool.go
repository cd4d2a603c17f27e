package resolver

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// sockPool holds a resolver's idle UDP sockets, each connected to one
// server address (so the kernel still drops datagrams from any other
// address and port, and reports the server's ICMP errors). A try takes
// one at random among its server's idle sockets, or opens one, and has it
// to itself until its exchange ends; a socket goes back only after a
// clean exchange (the first datagram read was the answer, and nothing
// cut the read short), and is closed after sockUses queries or once
// sockAge has passed since it was opened. Opening, connecting and closing
// a socket per query cost a batch of names a quarter of gdig's CPU
// (BenchmarkBatch, perf of gdig -f in the bench's lab); the kernel still
// picks each socket's port at random, the query's ID is random, and 0x20
// still applies, so a query's source port stays unpredictable off the
// path. Sockets are opened in the network namespace of the thread that
// needs one: a resolver serves one namespace. The pool's sockets close
// with it (their own finalizers) when the resolver is dropped.
type sockPool struct {
	mu   sync.Mutex
	idle map[netip.AddrPort][]*pooledConn
	n    int // idle sockets in all
}

// pooledConn is a socket of the pool, and how much it has served.
type pooledConn struct {
	*net.UDPConn
	addr   netip.AddrPort
	uses   int
	opened time.Time
}

// The pool's bounds: queries per socket, a socket's age, and idle
// sockets kept in all (a batch at --concurrency 64 keeps about 64).
const (
	sockUses    = 32
	sockAge     = 5 * time.Second
	sockIdleMax = 256
)

// get is an idle socket connected to addr, picked at random, or a new
// one (dialUDP's errors).
func (p *sockPool) get(ctx context.Context, addr netip.AddrPort) (*pooledConn, error) {
	p.mu.Lock()
	l := p.idle[addr]
	if n := len(l); n > 0 {
		i := rand.IntN(n)
		c := l[i]
		l[i] = l[n-1]
		l[n-1] = nil
		p.idle[addr] = l[:n-1]
		p.n--
		p.mu.Unlock()
		c.uses++
		return c, nil
	}
	p.mu.Unlock()
	conn, err := dialUDP(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &pooledConn{UDPConn: conn.(*net.UDPConn), addr: addr, uses: 1, opened: time.Now()}, nil
}

// put gives c back after its exchange: kept when clean and still within
// its bounds, closed otherwise.
func (p *sockPool) put(c *pooledConn, clean bool) {
	if !clean || c.uses >= sockUses || time.Since(c.opened) >= sockAge {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.n >= sockIdleMax {
		p.mu.Unlock()
		c.Close()
		return
	}
	if p.idle == nil {
		p.idle = map[netip.AddrPort][]*pooledConn{}
	}
	p.idle[c.addr] = append(p.idle[c.addr], c)
	p.n++
	p.mu.Unlock()
}
