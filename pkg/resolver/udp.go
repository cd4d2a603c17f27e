package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
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
// if not nil, hears of each datagram ignored, and why. A timeout's error wraps both the socket's timeout and
// errTimeout.
func UDPExchange(ctx context.Context, q *dns.Msg, addr netip.AddrPort, wait time.Duration, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, time.Duration, error) {
	conn, err := dialUDP(ctx, addr)
	if err != nil {
		return nil, 0, err
	}
	return exchangeUDP(ctx, conn, q, wait, exactCase, ignored)
}

// dialUDP opens a socket connected to addr. The socket is the calling
// thread's network namespace's: a lab test's, when it runs a tool on one
// thread switched into the lab (netlab.NS.Do).
func dialUDP(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr.String())
	if err != nil {
		return nil, unreachable(err)
	}
	return conn, nil
}

// exchangeUDP is UDPExchange on conn, which it closes; any goroutine may
// run it.
func exchangeUDP(ctx context.Context, conn net.Conn, q *dns.Msg, wait time.Duration, exactCase bool, ignored func(raw []byte, why error)) (*dns.Msg, time.Duration, error) {
	defer conn.Close()
	out, err := q.Pack()
	if err != nil {
		return nil, 0, err
	}
	deadline := time.Now().Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	start := time.Now()
	if _, err := conn.Write(out); err != nil {
		return nil, 0, unreachable(err)
	}
	buf := make([]byte, dns.MaxMsgSize)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, 0, fmt.Errorf("%w: %w", errTimeout, err)
			}
			return nil, 0, err
		}
		r := new(dns.Msg)
		bad := r.Unpack(buf[:n])
		if bad != nil {
			bad = fmt.Errorf("not a DNS message: %w", bad)
		} else if bad = checkResponse(q, r, exactCase); bad == nil {
			return r, time.Since(start), nil
		}
		if ignored != nil {
			ignored(buf[:n], bad)
		}
	}
}

// unreachable marks the errors that say the address cannot be reached
// from this host at all (no route, no source address of its family).
func unreachable(err error) error {
	if errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) {
		return fmt.Errorf("%w: %w", errUnreachable, err)
	}
	return err
}
