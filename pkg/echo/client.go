package echo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"gnetutils/pkg/stats"
)

// udpClient sends each line of in as one datagram and copies every reply
// to out; after in ends it waits up to linger for the last replies.
func udpClient(ctx context.Context, addr string, in io.Reader, out io.Writer, linger time.Duration) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, maxDatagram)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			out.Write(buf[:n])
		}
	}()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, maxDatagram), maxDatagram)
	sent := 0
	for sc.Scan() {
		if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
			return err
		}
		sent++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if sent > 0 {
		select {
		case <-time.After(linger):
		case <-ctx.Done():
		}
	}
	c.Close()
	<-done
	return nil
}

// tcpClient copies in to the server and the server's bytes to out, until
// the server closes after in ended.
func tcpClient(ctx context.Context, addr string, in io.Reader, out io.Writer) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	errc := make(chan error, 1)
	go func() {
		_, err := io.Copy(c, in)
		c.(*net.TCPConn).CloseWrite()
		errc <- err
	}()
	if _, err := io.Copy(out, c); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return <-errc
}

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
	type flowResult struct {
		rtts  []time.Duration
		lost  int64
		bytes int64
		err   error
	}
	results := make(chan flowResult, flows)
	start := time.Now()
	end := start.Add(d)
	conns := make([]net.Conn, 0, flows)
	for i := 0; i < flows; i++ {
		c, err := net.Dial(network, addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return BenchResult{}, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		go func(c net.Conn) {
			defer c.Close()
			var fr flowResult
			msg := bytes.Repeat([]byte{'x'}, size)
			buf := make([]byte, max(size, 1)+1)
			for time.Now().Before(end) && ctx.Err() == nil {
				t0 := time.Now()
				if _, err := c.Write(msg); err != nil {
					fr.err = err
					break
				}
				if network == "udp" {
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
			results <- fr
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

// benchLine is the text report of a load run.
func benchLine(r BenchResult, size int) string {
	return fmt.Sprintf("%d flows, %d-byte messages, %.1f s: %d round trips (%.0f/s), %.2f MB/s echoed, %d lost, rtt p50 %.3f ms p99 %.3f ms",
		r.Flows, size, r.Elapsed.Seconds(), r.RoundTrips, r.PerSecond(), float64(r.Bytes)/r.Elapsed.Seconds()/1e6, r.Lost,
		float64(r.RTT.P50)/1e6, float64(r.RTT.P99)/1e6)
}
