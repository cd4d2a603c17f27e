package echo

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"time"
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
