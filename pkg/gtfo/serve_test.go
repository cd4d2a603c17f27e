package gtfo

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// lateListener hands out one connection only after it was closed: the
// connection that accept(2) completed while shutdown closed the listener.
type lateListener struct {
	closed chan struct{}
	once   sync.Once
	late   net.Conn
}

func (l *lateListener) Accept() (net.Conn, error) {
	<-l.closed
	if c := l.late; c != nil {
		l.late = nil
		time.Sleep(50 * time.Millisecond) // shutdown has closed the others by now
		return c, nil
	}
	return nil, net.ErrClosed
}

func (l *lateListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *lateListener) Addr() net.Addr { return &net.TCPAddr{} }

// TestShutdownClosesLateConn: a connection accepted as the listener closes
// is closed too, and shutdown does not wait out its idle timeout.
func TestShutdownClosesLateConn(t *testing.T) {
	srvEnd, client := net.Pipe()
	defer client.Close()
	ln := &lateListener{closed: make(chan struct{}), late: srvEnd}
	s := &server{cfg: serveConfig{idle: time.Minute, send: time.Minute, maxConns: 4}, p: newPrinter(true, io.Discard, io.Discard)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.acceptAll(ctx, ln, io.Discard); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown waits for a connection accepted while the listener closed")
	}
	_ = client.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := client.Read(make([]byte, 1)); err != io.EOF && err != io.ErrClosedPipe {
		t.Errorf("the late connection is still open: read %v", err)
	}
}

// TestMaxConnsRefuses: beyond --max-conns a connection is reset at once
// and counted; the summary says so.
func TestMaxConnsRefuses(t *testing.T) {
	addr, stop := startLoopbackServer(t, "--max-conns", "2")
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond) // both accepted
	extra, err := net.Dial("tcp", addr)
	if err == nil {
		_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = extra.Write([]byte("GET /5 HTTP/1.1\r\n\r\n"))
		if n, err := extra.Read(make([]byte, 64)); err == nil {
			t.Errorf("the third connection was served (%d bytes)", n)
		}
		extra.Close()
	}
	for _, c := range held {
		c.Close()
	}
	if out := stop(); !bytes.Contains([]byte(out), []byte(`"refused":1`)) {
		t.Errorf("summary without the refusal:\n%s", out)
	}
}
