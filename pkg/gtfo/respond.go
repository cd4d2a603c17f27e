package gtfo

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net"
	"slices"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
	"gnetutils/pkg/sockopt"
)

// handle serves one connection and prints its line.
func (s *server) handle(conn net.Conn) {
	start := time.Now()
	defer conn.Close()
	rep := connReport{Type: "conn", Addr: conn.RemoteAddr().String(), Proto: "raw"}
	// At accept, TCP_INFO already tells whether the handshake's SYN carried
	// data the kernel accepted (TFO); bytes_received then counts it. Data
	// merely waiting at accept proves nothing: a plain client's request
	// often arrives right behind the handshake's last ACK.
	_ = sockopt.Control(conn, func(fd int) error {
		ti, err := sockopt.GetTCPInfo(fd)
		rep.SynData = ti.SynData
		if ti.SynData {
			rep.SynBytes = ti.BytesReceived
		}
		return err
	})
	s.conns.Add(1)
	if rep.SynData {
		s.synConns.Add(1)
	}
	cc := &countingConn{Conn: conn}
	err := s.serve(cc, &rep)
	rep.BytesIn, rep.BytesOut = cc.in, cc.out
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		rep.Error = describe(err)
	}
	rep.DurationMS = cli.Millis(time.Since(start))
	rep.Time = cli.Timestamp(time.Now())
	s.p.conn(rep)
}

// rawReadSize is the read buffer of a raw connection: with the bufio
// reader's 4 KiB, a goroutine's stack and a chunk of references to the
// shared body, what one connection holds stays under 64 KiB.
const rawReadSize = 32 << 10

func (s *server) serve(conn *countingConn, rep *connReport) error {
	br := bufio.NewReaderSize(conn, 4096)
	var raw []byte // read buffer of raw (non-HTTP) requests
	for {
		_ = conn.SetReadDeadline(time.Now().Add(s.cfg.idle))
		if _, err := br.Peek(1); err != nil {
			return err
		}
		// Decide on what has arrived so far (at least one byte, up to four).
		first, _ := br.Peek(min(4, br.Buffered()))
		if !looksLikeHTTP(first) {
			rep.Proto = "raw"
			if raw == nil {
				raw = make([]byte, rawReadSize)
			}
			if err := s.answerRaw(conn, br, raw, rep); err != nil {
				return err
			}
			continue
		}
		rep.Proto = "http"
		if closeConn, err := s.answerHTTP(conn, br, rep); err != nil || closeConn {
			return err
		}
	}
}

// answerRaw answers what one read takes in with SIZE raw bytes.
func (s *server) answerRaw(conn *countingConn, br *bufio.Reader, buf []byte, rep *connReport) error {
	n, err := br.Read(buf)
	if n > 0 {
		rep.Requests++
		if werr := s.send(conn, nil, bodyPieces(s.cfg.size)); werr != nil {
			return werr
		}
	}
	return err
}

// answerHTTP reads one HTTP request and answers it; closeConn says the
// request asked to close after the response.
func (s *server) answerHTTP(conn *countingConn, br *bufio.Reader, rep *connReport) (closeConn bool, err error) {
	lines, err := readHead(br)
	if err != nil {
		if errors.Is(err, errHeadTooLarge) {
			_, _ = conn.Write(responseHead(431, "Request Header Fields Too Large", 0, true))
		}
		return false, err
	}
	rep.Requests++
	req, err := parseRequest(lines)
	if err != nil {
		msg := err.Error() + "\n"
		_, _ = conn.Write(append(responseHead(400, "Bad Request", len(msg), true), msg...))
		return false, err
	}
	if _, err := io.CopyN(io.Discard, br, req.ContentLength); err != nil {
		return false, err
	}
	size := s.cfg.size
	if req.Size >= 0 {
		size = req.Size
	}
	pieces := bodyPieces(size)
	if req.Target == countersPath {
		payload := s.countersJSON()
		size, pieces = len(payload), slices.Values([][]byte{payload})
	}
	head := responseHead(200, "OK", size, req.Close)
	if req.Method == "HEAD" {
		pieces = nil
	}
	return req.Close, s.writeResponse(conn, head, pieces, req.Split)
}

// writeResponse sends head and the body's pieces: with TCP_NODELAY, head
// and the start of the body in one write; with split, the head alone and
// then the body with Nagle on.
func (s *server) writeResponse(conn *countingConn, head []byte, pieces iter.Seq[[]byte], split bool) error {
	tc, _ := conn.Conn.(*net.TCPConn)
	if tc != nil {
		// Split: two small writes with Nagle on, so the body waits in the
		// kernel until the client ACKs the head, which a client in
		// delayed-ACK mode does only when its delayed-ACK timer fires.
		_ = tc.SetNoDelay(!split)
	}
	if split {
		if err := s.send(conn, head, nil); err != nil {
			return err
		}
		head = nil
	}
	return s.send(conn, head, pieces)
}

// send writes head (if any) and the pieces, gathered into writes of about
// bodyChunk bytes each (writev: no copy), each under a fresh write
// deadline: a peer that stops reading ends the connection after
// --send-timeout without progress, and however much it asked for, the
// connection holds no more than references to the shared pattern.
func (s *server) send(conn *countingConn, head []byte, pieces iter.Seq[[]byte]) error {
	var bufs net.Buffers
	queued := 0
	flush := func() error {
		_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.send))
		n, err := bufs.WriteTo(conn.Conn) // consumes bufs
		conn.out += n
		queued = 0
		return err
	}
	if len(head) > 0 {
		bufs, queued = append(bufs, head), len(head)
	}
	if pieces != nil {
		for p := range pieces {
			bufs, queued = append(bufs, p), queued+len(p)
			if queued >= bodyChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if queued == 0 {
		return nil
	}
	return flush()
}

// countersPath serves the server's own kernel counters (the TFO and
// delayed-ACK ones, of its network namespace), so that gtfo compare can show
// the server's side of the evidence: in the Nagle case the delayed ACKs are
// the server's.
const countersPath = "/.well-known/gtfo/counters"

func (s *server) countersJSON() []byte {
	c, err := kstat.Read()
	if err != nil {
		c = kstat.Counters{}
	}
	b, _ := json.Marshal(c.WithPrefix(counterPrefixes...))
	return append(b, '\n')
}

// countingConn counts the bytes of a connection.
type countingConn struct {
	net.Conn
	in, out int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in += int64(n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out += int64(n)
	return n, err
}
