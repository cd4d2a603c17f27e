package echo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"gnetutils/pkg/stats"
)

// BenchResult is what a load run measured.
type BenchResult struct {
	Flows      int
	RoundTrips int64
	Lost       int64
	Bytes      int64
	Elapsed    time.Duration
	RTT        stats.Summary
}

// PerSecond is round trips per second.
func (r BenchResult) PerSecond() float64 { return float64(r.RoundTrips) / r.Elapsed.Seconds() }

// Bench drives flows concurrent ping-pong flows (each its own socket, so
// the server's kernel spreads them over shards) of size-byte messages for
// d, and measures every round trip.
func Bench(ctx context.Context, network, addr string, flows int, d time.Duration, size int) (BenchResult, error) {
	results := make(chan flowResult, flows)
	start := time.Now()
	end := start.Add(d)
	conns, err := dialFlows(network, addr, flows)
	if err != nil {
		return BenchResult{}, err
	}
	for _, c := range conns {
		go func(c net.Conn) {
			defer c.Close()
			results <- pingPong(ctx, c, network == "udp", size, end)
		}(c)
	}
	var r BenchResult
	var all []time.Duration
	var firstErr error
	for range conns {
		fr := <-results
		all = append(all, fr.rtts...)
		r.Lost += fr.lost
		r.Bytes += fr.bytes
		if fr.err != nil && firstErr == nil {
			firstErr = fr.err
		}
	}
	r.Elapsed = time.Since(start)
	r.Flows = flows
	r.RoundTrips = int64(len(all))
	r.RTT = stats.Summarize(all)
	if r.RoundTrips == 0 && firstErr != nil {
		return r, firstErr
	}
	return r, nil
}

// dialFlows opens every flow's socket before any starts, TCP ones with
// TCP_NODELAY.
func dialFlows(network, addr string, flows int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, flows)
	for i := 0; i < flows; i++ {
		c, err := net.Dial(network, addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// flowResult is what one flow measured.
type flowResult struct {
	rtts  []time.Duration
	lost  int64
	bytes int64
	err   error
}

// pingPong sends a message and waits for its echo, again and again until
// end: a UDP echo that takes over a second is lost, a TCP one read whole.
func pingPong(ctx context.Context, c net.Conn, udp bool, size int, end time.Time) flowResult {
	var fr flowResult
	msg := bytes.Repeat([]byte{'x'}, size)
	buf := make([]byte, max(size, 1)+1)
	for time.Now().Before(end) && ctx.Err() == nil {
		t0 := time.Now()
		if _, err := c.Write(msg); err != nil {
			fr.err = err
			break
		}
		if udp {
			c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := c.Read(buf); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					fr.lost++
					continue
				}
				fr.err = err
				break
			}
		} else if _, err := io.ReadFull(c, buf[:size]); err != nil {
			fr.err = err
			break
		}
		fr.rtts = append(fr.rtts, time.Since(t0))
		fr.bytes += int64(2 * size)
	}
	return fr
}
