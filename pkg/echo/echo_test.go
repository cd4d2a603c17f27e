package echo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func testUDPServer(t *testing.T, shards int) *udpServer {
	t.Helper()
	s, err := startUDP(context.Background(), udpConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0"), Shards: shards, BlockedPorts: defaultBlockedPorts, AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func testTCPServer(t *testing.T, cfg tcpConfig) *tcpServer {
	t.Helper()
	if !cfg.Addr.IsValid() {
		cfg.Addr = netip.MustParseAddrPort("127.0.0.1:0")
	}
	s, err := startTCP(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// TestUDPEchoesWhole: random payloads from 0 bytes to the largest UDP
// datagram come back identical.
func TestUDPEchoesWhole(t *testing.T) {
	s := testUDPServer(t, 2)
	c, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, maxDatagram+1)
	for _, size := range []int{0, 1, 64, 1472, 9000, 65507} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			msg := make([]byte, size)
			rand.Read(msg)
			if _, err := c.Write(msg); err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, err := c.Read(buf)
			if err != nil || sha256.Sum256(buf[:n]) != sha256.Sum256(msg) {
				t.Errorf("size %d: got %d bytes, err %v", size, n, err)
			}
		})
	}
}

// TestTCPEchoesStream: a multi-megabyte stream comes back identical.
func TestTCPEchoesStream(t *testing.T) {
	s := testTCPServer(t, tcpConfig{Shards: 2})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 8<<20)
	rand.Read(data)
	go func() {
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("got %d of %d bytes back (err %v), or different", len(got), len(data), err)
	}
}

// sockets counts the listening sockets ss shows on a port.
func sockets(t *testing.T, flag string, port uint16) int {
	out, err := exec.Command("ss", "-H", flag, "sport", "=", ":"+strconv.Itoa(int(port))).Output()
	if err != nil {
		t.Skipf("ss (iproute2) not usable: %v", err)
	}
	return len(strings.Split(strings.TrimSpace(string(out)), "\n"))
}

// TestShardsSpreadFlows: 4 shards are 4 sockets on one port, and many client
// flows land on every one of them.
func TestShardsSpreadFlows(t *testing.T) {
	u := testUDPServer(t, 4)
	if n := sockets(t, "-lnu", u.Addr().Port()); n != 4 {
		t.Errorf("ss shows %d UDP sockets on the port, want 4", n)
	}
	r, err := Bench(context.Background(), "udp", u.Addr().String(), 64, 300*time.Millisecond, 64)
	if err != nil || r.RoundTrips == 0 {
		t.Fatalf("bench: %v %+v", err, r)
	}
	for _, sh := range u.Stats() {
		if sh.Packets == 0 {
			t.Errorf("UDP shard %d served nothing of 64 flows: %+v", sh.Shard, u.Stats())
		}
	}
	tc := testTCPServer(t, tcpConfig{Shards: 4})
	if n := sockets(t, "-lnt", tc.Addr().Port()); n != 4 {
		t.Errorf("ss shows %d TCP listeners on the port, want 4", n)
	}
	if _, err := Bench(context.Background(), "tcp", tc.Addr().String(), 64, 300*time.Millisecond, 64); err != nil {
		t.Fatal(err)
	}
	for _, sh := range tc.Stats() {
		if sh.Packets == 0 {
			t.Errorf("TCP shard %d got no connection of 64: %+v", sh.Shard, tc.Stats())
		}
	}
}

// TestReflectionGuard: a datagram from source port 19 (chargen) is dropped,
// one from 40000 answered.
func TestReflectionGuard(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("binding source port 19 needs root")
	}
	s := testUDPServer(t, 1)
	for _, tc := range []struct {
		name   string
		port   int
		answer bool
	}{{"chargen", 19, false}, {"ephemeral", 40000, true}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: tc.port}, net.UDPAddrFromAddrPort(s.Addr()))
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("hello"))
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			_, err = c.Read(make([]byte, 16))
			c.Close()
			if (err == nil) != tc.answer {
				t.Errorf("source port %d: answered %v, want %v", tc.port, err == nil, tc.answer)
			}
		})
	}
	if d := s.Stats()[0].Dropped; d != 1 {
		t.Errorf("dropped %d, want 1", d)
	}
}

func TestGuardVerdicts(t *testing.T) {
	self := netip.MustParseAddrPort("198.18.1.1:8007")
	g := newUDPGuard(defaultBlockedPorts, false, 2, self)
	now := time.Now()
	tests := []struct {
		src  string
		want verdict
	}{
		{"198.18.9.9:19", dropPort},
		{"198.18.9.9:5353", dropPort},
		{"198.18.9.9:0", dropPort},
		{"198.18.1.1:8007", dropSelf},
		{"127.0.0.1:8007", dropSelf},
		{"198.18.7.7:8007", dropSelf}, // another echo server on our port
		{"[fd00::7]:8007", dropSelf},
		{"224.0.0.1:5000", dropBroadcast},
		{"255.255.255.255:5000", dropBroadcast},
		{"127.0.0.1:5000", dropLoopback},
		{"[::1]:5000", dropLoopback},
		{"198.18.9.9:40000", answer},
		{"198.18.9.9:40001", answer},
		{"198.18.9.9:40002", dropRate},
		{"198.18.9.200:40000", dropRate}, // the same /24
		{"[::ffff:198.18.9.7]:40000", dropRate},
		{"198.18.10.9:40000", answer},
		{"[fd00:1::1]:40000", answer},
		{"[fd00:1::ffff:2]:40000", answer},
		{"[fd00:1::3:0:3]:40000", dropRate}, // the same /64
		{"[fd00:1:0:1::1]:40000", answer},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			if got := g.Check(netip.MustParseAddrPort(tc.src), now); got != tc.want {
				t.Errorf("%s: %v, want %v", tc.src, got, tc.want)
			}
		})
	}
	if g.Check(netip.MustParseAddrPort("198.18.9.9:40000"), now.Add(time.Second)) != answer {
		t.Error("the rate limit did not reset after a second")
	}
}

// TestRateLimiterNeverFull: a spray of 300,000 prefixes in one window
// (the old table held 65,536, then made every new source share one
// budget) leaves a new client almost its whole budget: the spray adds
// about 18 to every cell, and a prefix counts the least of its four. A
// prefix that floods gets no more than its budget.
func TestRateLimiterNeverFull(t *testing.T) {
	const rate = 1000
	now := time.Now()
	r := newRateLimiter(rate, now)
	for i := 0; i < 300_000; i++ {
		r.allow(netip.AddrFrom4([4]byte{10 + byte(i>>16), byte(i >> 8), byte(i), 1}), now)
	}
	count := func(a netip.Addr) int {
		n := 0
		for i := 0; i < 2*rate; i++ {
			if r.allow(a, now) {
				n++
			}
		}
		return n
	}
	n := count(netip.MustParseAddr("fd00:77::1"))
	t.Logf("a new client after the spray: %d of %d answered", n, rate)
	if n < rate*9/10 {
		t.Errorf("a new client after the spray: %d of %d answered", n, rate)
	}
	if n := count(netip.MustParseAddr("fd00:78::1")); n > rate {
		t.Errorf("a flooding prefix: %d answered, more than %d", n, rate)
	}
}

// TestMaxConns: the connection beyond --max-conns is closed at once.
func TestMaxConns(t *testing.T) {
	s := testTCPServer(t, tcpConfig{Shards: 1, MaxConns: 2})
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("x"))
		c.Read(make([]byte, 1)) // served: it stays open, counted
	}
	// The server resets the extra connection (SO_LINGER 0) as soon as it
	// accepts it; the reset can beat Go's check of the finished connect, and
	// then the dial itself fails with ECONNRESET: refused all the same.
	extra, err := net.Dial("tcp", s.Addr().String())
	switch {
	case errors.Is(err, syscall.ECONNRESET):
	case err != nil:
		t.Fatal(err)
	default:
		defer extra.Close()
		extra.SetReadDeadline(time.Now().Add(2 * time.Second))
		extra.Write([]byte("x"))
		if n, err := extra.Read(make([]byte, 1)); err == nil {
			t.Errorf("the third connection was served (%d bytes)", n)
		}
	}
	if s.Refused() != 1 || s.Active() != 2 {
		t.Errorf("refused %d active %d", s.Refused(), s.Active())
	}
}

// TestMaxConnsPerSource: one source gets --max-conns-per-source
// connections, the next is refused, and another source (127.0.0.2, also
// loopback) is still served.
func TestMaxConnsPerSource(t *testing.T) {
	s := testTCPServer(t, tcpConfig{Shards: 1, MaxPerSource: 2})
	echoes := func(src string) bool {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		c, err := d.Dial("tcp", s.Addr().String())
		if err != nil {
			return false
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write([]byte("x"))
		_, err = io.ReadFull(c, make([]byte, 1))
		return err == nil
	}
	for i, want := range []bool{true, true, false} {
		if got := echoes("127.0.0.1"); got != want {
			t.Errorf("connection %d from 127.0.0.1: served %v, want %v", i+1, got, want)
		}
	}
	if !echoes("127.0.0.2") {
		t.Error("another source was refused")
	}
	if s.Refused() != 1 || s.Active() != 3 {
		t.Errorf("refused %d active %d", s.Refused(), s.Active())
	}
}

// TestSendTimeout: a peer that sends without ever reading its echo is
// reset once the server's echo has waited --send-timeout.
func TestSendTimeout(t *testing.T) {
	const send = 300 * time.Millisecond
	s := testTCPServer(t, tcpConfig{Shards: 1, SendTimeout: send})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	chunk := make([]byte, 1<<20)
	for total := 0; err == nil && total < 1<<30; total += len(chunk) {
		_, err = c.Write(chunk) // stalls once every buffer is full
	}
	if took := time.Since(start); err == nil || took < send {
		t.Fatalf("writes ended after %v with %v; want the server's reset after %v", took, err, send)
	}
	for deadline := time.Now().Add(5 * time.Second); s.Active() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open", s.Active())
		}
	}
}

// TestShutdownDeliversEverything: shutdown in the middle of a stream; every
// byte the server received comes back before it closes.
func TestShutdownDeliversEverything(t *testing.T) {
	s, err := startTCP(context.Background(), tcpConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0"), Shards: 2, Grace: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 4<<20)
	rand.Read(data)
	var got bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(&got, c)
	}()
	half := len(data) / 2
	c.Write(data[:half])
	done := make(chan struct{})
	go func() { s.Shutdown(); close(done) }()
	time.Sleep(50 * time.Millisecond)
	c.Write(data[half:])
	c.(*net.TCPConn).CloseWrite()
	<-done
	wg.Wait()
	if !bytes.Equal(got.Bytes(), data) || s.Lost() != 0 {
		t.Errorf("got back %d of %d bytes (lost %d)", got.Len(), len(data), s.Lost())
	}
}

// TestBothFamilies: a server on :: answers IPv6 and IPv4 clients (mapped
// addresses), one on ::1 IPv6 ones, over UDP and TCP.
func TestBothFamilies(t *testing.T) {
	for _, listen := range []string{"[::]:0", "[::1]:0"} {
		targets := []string{"[::1]"}
		if listen == "[::]:0" {
			targets = append(targets, "127.0.0.1")
		}
		u, err := startUDP(context.Background(), udpConfig{Addr: netip.MustParseAddrPort(listen), Shards: 2, BlockedPorts: defaultBlockedPorts, AllowLoopback: true})
		if err != nil {
			t.Skipf("no IPv6 here: %v", err)
		}
		t.Cleanup(u.Close)
		tc := testTCPServer(t, tcpConfig{Addr: netip.MustParseAddrPort(listen), Shards: 2})
		for _, host := range targets {
			for _, target := range []struct {
				network string
				port    uint16
			}{{"udp", u.Addr().Port()}, {"tcp", tc.Addr().Port()}} {
				addr := net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(int(target.port)))
				c, err := net.Dial(target.network, addr)
				if err != nil {
					t.Fatalf("%s %s: %v", target.network, addr, err)
				}
				c.SetDeadline(time.Now().Add(2 * time.Second))
				c.Write([]byte("ping"))
				buf := make([]byte, 8)
				n, err := io.ReadAtLeast(c, buf, 4)
				c.Close()
				if err != nil || string(buf[:n]) != "ping" {
					t.Errorf("server on %s, %s client to %s: got %q, %v", listen, target.network, addr, buf[:n], err)
				}
			}
		}
	}
}

// TestIdleTimeout: a connection that says nothing for --idle-timeout is
// closed, never before.
func TestIdleTimeout(t *testing.T) {
	const idle = 200 * time.Millisecond
	s := testTCPServer(t, tcpConfig{Shards: 1, IdleTimeout: idle})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	last := time.Now() // the server's last activity is later
	c.Write([]byte("x"))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("read %d bytes, %v; want the server's close", n, err)
	}
	if waited := time.Since(last); waited < idle {
		t.Errorf("closed after %v of silence, before the %v idle timeout", waited, idle)
	}
}

// TestSlowReaderDoesNotStallShard: a client that sends a lot without
// reading fills the socket buffers both ways and the server's pending
// buffer; the shard meanwhile echoes another connection, and once the
// client reads it gets everything back intact.
func TestSlowReaderDoesNotStallShard(t *testing.T) {
	s := testTCPServer(t, tcpConfig{Shards: 1})
	slow, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	data := make([]byte, 64<<20) // more than all four socket buffers hold at their largest
	rand.Read(data)
	wrote := make(chan int, 1)
	go func() {
		n, _ := slow.Write(data)
		slow.(*net.TCPConn).CloseWrite()
		wrote <- n
	}()
	// The writer stalls once the buffers are full; the shard must still
	// serve others.
	other, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 10; i++ {
		other.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(other, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("the other connection was not served while one was stalled: %q %v", buf, err)
		}
	}
	got, err := io.ReadAll(slow)
	if n := <-wrote; n != len(data) || err != nil || !bytes.Equal(got, data) {
		t.Errorf("wrote %d of %d, got back %d (err %v), or different", n, len(data), len(got), err)
	}
}

// TestShutdownEndsStuckPeer: a peer that never reads its echo cannot hold
// shutdown past the grace period; what was not echoed is counted.
func TestShutdownEndsStuckPeer(t *testing.T) {
	s, err := startTCP(context.Background(), tcpConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0"), Shards: 1, Grace: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write(make([]byte, 64<<20)) // stalls: nobody reads the echo
	// Wait until the server holds bytes it could not echo: the client's
	// receive queue full of echo.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if q := unreadBytes(fdOf(t, c)); q > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no echo ever arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown still waiting for a peer that does not read")
	}
	if s.Lost() == 0 || s.Active() != 0 {
		t.Errorf("lost %d, active %d after shutdown", s.Lost(), s.Active())
	}
}

func fdOf(t *testing.T, c net.Conn) int {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fd := -1
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// BenchmarkGuardCheck is the guard's cost per datagram with the default
// rate limit, sources spread over many prefixes.
func BenchmarkGuardCheck(b *testing.B) {
	g := newUDPGuard(defaultBlockedPorts, true, defaultRate, netip.MustParseAddrPort("198.18.1.1:7"))
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		g.Check(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000), now)
	}
}
