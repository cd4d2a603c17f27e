package gtfo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"gnetutils/pkg/sockopt"
)

// Exit codes of the client commands are curl's, the peer people script
// against: 7 could not connect, 28 timed out.
const (
	exitConnect = 7
	exitTimeout = 28
)

// tfoState is what the client found out about TCP Fast Open on its side.
type tfoState struct {
	tried    bool   // TCP_FASTOPEN_CONNECT was asked for
	disabled string // why the kernel refused it ("" when it did not)
}

// dial connects to addr; with tfo it sets TCP_FASTOPEN_CONNECT first, so that
// connect() returns at once when a cookie is cached and the SYN leaves with
// the first write. A kernel that refuses the option (client bit of
// net.ipv4.tcp_fastopen unset) gets a plain connect; st says why.
func dial(ctx context.Context, addr string, tfo bool, st *tfoState) (*net.TCPConn, error) {
	d := net.Dialer{KeepAlive: -1}
	if tfo {
		st.tried = true
		d.Control = sockopt.ControlFunc(func(fd int) error {
			if err := sockopt.SetFastOpenConnect(fd, true); err != nil {
				st.disabled = fmt.Sprintf("TCP_FASTOPEN_CONNECT: %v", err)
			}
			return nil
		})
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return conn.(*net.TCPConn), nil
}

// fetchResult is one request/response exchange.
type fetchResult struct {
	Connect    time.Duration // connect() returned (immediately under TFO with a cookie)
	FirstByte  time.Duration // first byte of the response, from the start of connect
	Total      time.Duration // last byte of the response, from the start of connect
	Bytes      int64         // response body bytes
	Status     int
	SynData    bool // TCP_INFO: the SYN carried data and the server acknowledged it
	ClientFail int  // TCP_INFO tcpi_fastopen_client_fail: why not
	TFOTried   bool
}

// clientFailReasons explain tcpi_fastopen_client_fail (include/uapi/linux/tcp.h).
var clientFailReasons = map[int]string{
	1: "no cookie cached yet: this SYN asked for one",
	2: "the server did not acknowledge the data in the SYN",
	3: "the SYN with data was retransmitted",
}

// fetch makes one connection, sends an HTTP GET for size bytes (-1: the
// server's default) and reads the whole response.
func fetch(ctx context.Context, addr string, tfo bool, size int, timeout time.Duration, st *tfoState) (fetchResult, error) {
	var r fetchResult
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	conn, err := dial(ctx, addr, tfo, st)
	if err != nil {
		return r, err
	}
	defer conn.Close()
	r.Connect = time.Since(start)
	r.TFOTried = tfo && st.disabled == ""
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(getRequest(addr, size, false, true)); err != nil {
		return r, err
	}
	tr := &timingReader{r: conn}
	resp, n, err := readResponse(bufio.NewReader(tr), "GET")
	r.FirstByte = tr.first.Sub(start)
	if err != nil {
		return r, ctxErr(ctx, err)
	}
	r.Total = time.Since(start)
	r.Status, r.Bytes = resp.Status, n
	_ = sockopt.Control(conn, func(fd int) error {
		ti, err := sockopt.GetTCPInfo(fd)
		r.SynData, r.ClientFail = ti.SynData, ti.FastOpenClientFail
		return err
	})
	return r, nil
}

// ctxErr turns the deadline the context set on the connection back into the
// context's error, so a timeout reads as one.
func ctxErr(ctx context.Context, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// getRequest is the request the client sends: GET /SIZE (or /), with
// "?split" to ask for head and body in two writes.
func getRequest(addr string, size int, split, closeConn bool) []byte {
	target := "/"
	if size >= 0 {
		target += strconv.Itoa(size)
	}
	if split {
		target += "?split"
	}
	req := "GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: gtfo\r\n"
	if closeConn {
		req += "Connection: close\r\n"
	}
	return []byte(req + "\r\n")
}

// readResponse reads one response (head and body) and returns the body size.
func readResponse(br *bufio.Reader, method string) (*httpResponse, int64, error) {
	lines, err := readHead(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, errors.New("connection closed before a response")
		}
		return nil, 0, err
	}
	resp, err := parseResponse(lines)
	if err != nil {
		return nil, 0, err
	}
	if method == "HEAD" || resp.Status == 204 || resp.Status == 304 || resp.Status < 200 {
		return resp, 0, nil
	}
	if resp.ContentLength >= 0 {
		n, err := io.CopyN(io.Discard, br, resp.ContentLength)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return resp, n, err
	}
	n, err := io.Copy(io.Discard, io.LimitReader(br, maxBodyBytes))
	return resp, n, err
}

// timingReader notes when the first byte arrived.
type timingReader struct {
	r     io.Reader
	first time.Time
}

func (t *timingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && t.first.IsZero() {
		t.first = time.Now()
	}
	return n, err
}

// describe turns a network error into the words people know, and exitCode
// picks the exit code for it.
func describe(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network is unreachable"
	case errors.Is(err, syscall.EADDRINUSE):
		return "address already in use"
	case errors.Is(err, syscall.EACCES):
		return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func exitCode(err error) int {
	if isTimeout(err) {
		return exitTimeout
	}
	return exitConnect
}

// fetchBody makes one plain connection, GETs target and returns the body of a
// 200 response (at most 64 KiB).
func fetchBody(ctx context.Context, addr, target string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx, addr, false, &tfoState{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	req := "GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: gtfo\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return nil, err
	}
	br := bufio.NewReader(conn)
	lines, err := readHead(br)
	if err != nil {
		return nil, err
	}
	resp, err := parseResponse(lines)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, fmt.Errorf("HTTP status %d", resp.Status)
	}
	const limit = 64 << 10
	n := int64(limit)
	if resp.ContentLength >= 0 && resp.ContentLength < n {
		n = resp.ContentLength
	}
	return io.ReadAll(io.LimitReader(br, n))
}
