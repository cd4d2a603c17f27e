package gtfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

// Bounds on what the server and the client accept from the network.
const (
	maxHeaderBytes = 16 << 10 // request or response head
	maxHeaders     = 100
	maxBodyBytes   = 64 << 20 // a request body the server discards, a response size it is asked for
)

var errHeadTooLarge = errors.New("header section too large")

// looksLikeHTTP reports whether the first bytes of a request start like an
// HTTP/1.x request line: a method the server knows, then a space.
func looksLikeHTTP(first []byte) bool {
	for _, m := range []string{"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH "} {
		n := min(len(first), len(m))
		if n >= 4 && bytes.Equal(first[:n], []byte(m[:n])) {
			return true
		}
	}
	return false
}

// httpRequest is what the server needs of a request.
type httpRequest struct {
	Method, Target, Proto string
	ContentLength         int64
	Close                 bool // the client asked to close after the response (or speaks HTTP/1.0)
	Size                  int  // response body size the target asks for; -1: the server's default
	Split                 bool // "?split": head and body in two writes with Nagle on (the delayed-ACK case)
}

// readHead reads a header section (start line and fields) up to the empty
// line, returning its lines without CRLF; it reads at most maxHeaderBytes.
func readHead(br *bufio.Reader) ([]string, error) {
	var lines []string
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if total > maxHeaderBytes {
			return nil, errHeadTooLarge
		}
		if err == bufio.ErrBufferFull {
			return nil, errHeadTooLarge
		}
		if err != nil {
			if err == io.EOF && (total > 0 || len(lines) > 0) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if s == "" {
			if len(lines) == 0 {
				continue // tolerate empty lines before a request line (RFC 9112 2.2)
			}
			return lines, nil
		}
		if len(lines) > maxHeaders {
			return nil, fmt.Errorf("more than %d header fields", maxHeaders)
		}
		lines = append(lines, s)
	}
}

// parseRequest parses a request head as readHead returned it.
func parseRequest(lines []string) (*httpRequest, error) {
	if len(lines) == 0 {
		return nil, errors.New("empty request")
	}
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("malformed request line %q", truncate(lines[0], 60))
	}
	req := &httpRequest{Method: parts[0], Target: parts[1], Proto: parts[2], Size: -1}
	switch req.Proto {
	case "HTTP/1.1":
	case "HTTP/1.0":
		req.Close = true
	default:
		return nil, fmt.Errorf("unsupported protocol %q", truncate(req.Proto, 20))
	}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("malformed header field %q", truncate(line, 60))
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || n > maxBodyBytes {
				return nil, fmt.Errorf("bad Content-Length %q", truncate(value, 20))
			}
			req.ContentLength = n
		case "transfer-encoding":
			return nil, errors.New("transfer-encoding is not supported")
		case "connection":
			for _, tok := range strings.Split(value, ",") {
				switch strings.ToLower(strings.TrimSpace(tok)) {
				case "close":
					req.Close = true
				case "keep-alive":
					if req.Proto == "HTTP/1.0" {
						req.Close = false
					}
				}
			}
		}
	}
	path, query, _ := strings.Cut(req.Target, "?")
	if digits := strings.TrimPrefix(path, "/"); digits != "" && digits != path {
		n, err := strconv.Atoi(digits)
		if err == nil && n >= 0 && n <= maxBodyBytes {
			req.Size = n
		}
	}
	for _, kv := range strings.Split(query, "&") {
		if kv == "split" {
			req.Split = true
		}
	}
	return req, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// responseHead is the head of the server's answer: a minimal valid HTTP/1.1
// response, so curl and browsers take it.
func responseHead(status int, reason string, contentLength int, closeConn bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nServer: gtfo\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n", status, reason, contentLength)
	if closeConn {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// bodyLine is what a body is made of: lines of the alphabet, so a body
// printed by curl is readable.
const bodyLine = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"

// bodyChunk is the size of the shared pattern every body is cut from:
// whole lines, just under 64 KiB, so each chunk of a body starts a line.
const bodyChunk = (64 << 10) / len(bodyLine) * len(bodyLine)

var pattern = []byte(strings.Repeat(bodyLine, bodyChunk/len(bodyLine)))

// bodyPieces yields body(n)'s bytes as slices of the shared pattern,
// never a copy: a GET /67108864 costs the server no more memory than
// GET /1.
func bodyPieces(n int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for left := n; left > 0; left -= bodyChunk {
			k := min(left, bodyChunk)
			if k == left {
				// The last byte is a newline, whatever line it cuts.
				if !yield(pattern[:k-1]) {
					return
				}
				yield(pattern[len(bodyLine)-1 : len(bodyLine)])
				return
			}
			if !yield(pattern[:k]) {
				return
			}
		}
	}
}

// body returns n bytes of text, as bodyPieces yields them, in one slice.
func body(n int) []byte {
	b := make([]byte, 0, n)
	for p := range bodyPieces(n) {
		b = append(b, p...)
	}
	return b
}

// httpResponse is what the client needs of a response head.
type httpResponse struct {
	Status        int
	ContentLength int64 // -1: not given (read to EOF)
	Close         bool
}

// parseResponse parses a response head as readHead returned it.
func parseResponse(lines []string) (*httpResponse, error) {
	if len(lines) == 0 {
		return nil, errors.New("empty response")
	}
	proto, rest, _ := strings.Cut(lines[0], " ")
	code, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 {
		return nil, fmt.Errorf("not an HTTP/1.x status line: %q", truncate(lines[0], 60))
	}
	status, err := strconv.Atoi(code)
	if err != nil || status < 100 {
		return nil, fmt.Errorf("bad status code %q", code)
	}
	resp := &httpResponse{Status: status, ContentLength: -1, Close: proto == "HTTP/1.0"}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("malformed header field %q", truncate(line, 60))
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || n > maxBodyBytes {
				return nil, fmt.Errorf("bad Content-Length %q", truncate(value, 20))
			}
			resp.ContentLength = n
		case "transfer-encoding":
			return nil, errors.New("chunked responses are not supported")
		case "connection":
			if strings.EqualFold(value, "close") {
				resp.Close = true
			}
		}
	}
	return resp, nil
}
