package echo

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// dialFrom opens n connections from src (an address of h1's local route,
// bindable without freebind) to addr, inside prefixLab's h1. A server
// that refuses resets the connection as soon as it accepts it, which can
// beat the dial's own check: such a dial is left out.
func dialFrom(t *testing.T, ns *netlab.NS, src, addr string, n int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	err := ns.Do(func() error {
		for i := 0; i < n; i++ {
			c, err := d.Dial("tcp", addr)
			if errors.Is(err, syscall.ECONNRESET) {
				continue
			}
			if err != nil {
				return err
			}
			conns = append(conns, c)
		}
		return nil
	})
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	if err != nil {
		t.Fatalf("dial from %s (after %d): %v", src, len(conns), err)
	}
	return conns
}

// served says whether c gets its echo within limit.
func served(c net.Conn, limit time.Duration) bool {
	_ = c.SetDeadline(time.Now().Add(limit))
	if _, err := c.Write([]byte("x")); err != nil {
		return false
	}
	_, err := io.ReadFull(c, make([]byte, 1))
	return err == nil
}

// TestLabTCPAbuse attacks the gtcpecho binary with its defaults (and a
// short --send-timeout): 2,000 connections from one source, 200 more from
// two others that send without ever reading. One source gets
// --max-conns-per-source (128) connections, the rest are reset; a new
// client from another source is served at once; the non-readers are
// reset when the send timeout passes. Before, every connection was
// admitted and the non-readers stayed until the 5-minute idle timeout.
func TestLabTCPAbuse(t *testing.T) {
	const sendTimeout = 3 * time.Second
	bin := netlab.Binary(t, "gtcpecho")
	c := prefixLab(t)
	srv := startServer(t, c.H2, bin, "-p", "7007", "--send-timeout", sendTimeout.String())
	addr := net.JoinHostPort(c.H2Addr4(), "7007")
	flood := dialFrom(t, c.H1, "198.18.99.1", addr, 2000)
	admitted := 0
	for _, conn := range flood {
		if served(conn, 2*time.Second) {
			admitted++
		}
	}
	var readers []net.Conn
	for _, src := range []string{"198.18.99.2", "198.18.99.3"} {
		readers = append(readers, dialFrom(t, c.H1, src, addr, 100)...)
	}
	for _, conn := range readers {
		// The attacker's own send buffers share the lab's one kernel
		// with the server's: keep them small, so the test measures the
		// server's.
		_ = conn.(*net.TCPConn).SetWriteBuffer(64 << 10)
	}
	ended := make(chan time.Duration, len(readers))
	junk := make([]byte, 64<<20) // every writer's, read only
	start := time.Now()
	var wg sync.WaitGroup
	for _, conn := range readers {
		wg.Add(1)
		go func() { // writes until the server resets it; never reads
			defer wg.Done()
			_ = conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, err := conn.Write(junk)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				ended <- time.Since(start)
			}
		}()
	}
	time.Sleep(time.Second) // the non-readers' echoes back up
	newcomer := dialFrom(t, c.H1, "198.18.99.10", addr, 1)[0]
	t0 := time.Now()
	ok := served(newcomer, 2*time.Second)
	latency := time.Since(t0)
	wg.Wait()
	close(ended)
	var last time.Duration
	n := 0
	for d := range ended {
		n, last = n+1, max(last, d)
	}
	r := srv.stop(t)
	t.Logf("one source: %d of 2000 admitted; new client served %v in %v; %d of 200 non-readers reset, the last after %v; server %s",
		admitted, ok, latency.Round(time.Microsecond), n, last.Round(time.Millisecond), describe(r))
	if admitted != defaultPerSource {
		t.Errorf("one source got %d connections, want %d", admitted, defaultPerSource)
	}
	if !ok || latency > time.Second {
		t.Errorf("the new client: served %v after %v", ok, latency)
	}
	if n != len(readers) || last > sendTimeout+10*time.Second {
		t.Errorf("%d of %d non-readers reset, the last after %v (--send-timeout %v)", n, len(readers), last, sendTimeout)
	}
}
