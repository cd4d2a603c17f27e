package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Errors of one exchange: no answer in time (the server may be asked
// again), and no route to the server's address family (never worth
// another try, nor a query of the budget).
var (
	errTimeout     = errors.New("timed out")
	errUnreachable = errors.New("unreachable")
)

// UDPExchange sends q to addr from a socket connected to it (the kernel
// drops datagrams from any other address and port) and waits up to wait
// for the answer. A datagram from addr that is not the answer (no DNS
// message, another ID, not a response, another question, or with 0x20 the
// name's case changed) is ignored and the wait goes on, as unbound ignores
// it: junk can neither end the exchange nor pass for the answer. ignored,
// if not nil, hears of each datagram ignored, and why (raw is valid only
// during the call). A timeout's error wraps both the socket's timeout and
// errTimeout.
func UDPExchange(ctx context.Context, q *dns.Msg, addr netip.AddrPort, wait time.Duration, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, time.Duration, error) {
	r, _, rtt, err := UDPExchangeSize(ctx, q, addr, wait, exactCase, ignored)
	return r, rtt, err
}

// UDPExchangeSize is UDPExchange that also gives the size of the
// datagram that held the answer, as it came: what dig prints as MSG SIZE,
// which no repacking of the message can tell (servers compress names in
// their own ways).
func UDPExchangeSize(ctx context.Context, q *dns.Msg, addr netip.AddrPort, wait time.Duration, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, int, time.Duration, error) {
	conn, err := dialUDP(ctx, addr)
	if err != nil {
		return nil, 0, 0, err
	}
	return exchangeUDP(ctx, conn, q, wait, exactCase, ignored)
}

// dialUDP opens a socket connected to addr. The socket is the calling
// thread's network namespace's: a lab test's, when it runs a tool on one
// thread switched into the lab (netlab.NS.Do).
func dialUDP(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errTimeout, err)
	}
	// DialUDP, not a Dialer: connecting a datagram socket sends nothing,
	// and a Dialer's address parsing and racing cost a batch a tenth of
	// its time.
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, unreachable(err)
	}
	return conn, nil
}

// exchangeUDP is UDPExchange on conn, which it closes.
func exchangeUDP(ctx context.Context, conn net.Conn, q *dns.Msg, wait time.Duration, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, int, time.Duration, error) {
	defer conn.Close()
	start, err := sendUDP(conn, q)
	if err != nil {
		return nil, 0, 0, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	return recvUDP(ctx, conn, q, start, start.Add(wait), exactCase, ignored)
}

// sendUDP sends q on conn, and says when.
func sendUDP(conn net.Conn, q *dns.Msg) (time.Time, error) {
	out, err := q.Pack()
	if err != nil {
		return time.Time{}, err
	}
	start := time.Now()
	if _, err := conn.Write(out); err != nil {
		return start, unreachable(err)
	}
	return start, nil
}

// recvUDP reads conn until the answer to q (sent at start) comes (and
// says how long its datagram was), or
// until, or ctx's deadline: the datagrams that are not the answer are
// ignored. Cancelling ctx ends it only if the caller then sets the read
// deadline (context.AfterFunc), as exchangeUDP does.
func recvUDP(ctx context.Context, conn net.Conn, q *dns.Msg, start, until time.Time, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, int, time.Duration, error) {
	if d, ok := ctx.Deadline(); ok && d.Before(until) {
		until = d
	}
	_ = conn.SetReadDeadline(until)
	if err := ctx.Err(); err != nil { // before the deadline was set: it ends now
		return nil, 0, 0, fmt.Errorf("%w: %w", errTimeout, err)
	}
	bp := recvBufs.Get().(*[]byte)
	defer recvBufs.Put(bp)
	buf := *bp
	for {
		n, err := conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, 0, 0, fmt.Errorf("%w: %w", errTimeout, err)
			}
			return nil, 0, 0, err
		}
		r := new(dns.Msg)
		bad := r.Unpack(buf[:n])
		if bad != nil {
			bad = fmt.Errorf("not a DNS message: %w", bad)
		} else if bad = checkResponse(q, r, exactCase); bad == nil {
			return r, n, time.Since(start), nil
		}
		if ignored != nil {
			ignored(buf[:n], bad)
		}
	}
}

// recvBufs are receive buffers, one per exchange in flight: a datagram
// may be as long as any DNS message, and allocating 64 KiB per exchange
// cost a batch of names a third of its speed (BenchmarkBatch).
// dns.Msg.Unpack copies what it keeps, so a buffer serves again at once.
var recvBufs = sync.Pool{New: func() any { b := make([]byte, dns.MaxMsgSize); return &b }}

// unreachable marks the errors that say the address cannot be reached
// from this host at all (no route, no source address of its family).
func unreachable(err error) error {
	if errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) {
		return fmt.Errorf("%w: %w", errUnreachable, err)
	}
	return err
}
