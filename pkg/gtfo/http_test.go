package gtfo

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestLooksLikeHTTP(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"GET / HTTP/1.1\r\n", true},
		{"GET ", true},
		{"HEAD", true},
		{"POST", true},
		{"GE", false}, // too little to tell: raw
		{"gtfo\n", false},
		{"\x16\x03\x01", false}, // TLS
		{"", false},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := looksLikeHTTP([]byte(tt.in)); got != tt.want {
				t.Errorf("looksLikeHTTP(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseHead reads a head with readHead, then parses it as a request or
// a response.
func TestParseHead(t *testing.T) {
	request := func(lines []string) (any, error) {
		req, err := parseRequest(lines)
		if err != nil {
			return nil, err
		}
		return *req, nil
	}
	response := func(lines []string) (any, error) {
		resp, err := parseResponse(lines)
		if err != nil {
			return nil, err
		}
		return *resp, nil
	}
	tests := []struct {
		name, in string
		parse    func([]string) (any, error)
		want     any
		wantErr  string
	}{
		{name: "request/curl", parse: request, in: "GET / HTTP/1.1\r\nHost: 198.18.1.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
			want: httpRequest{Method: "GET", Target: "/", Proto: "HTTP/1.1", Size: -1}},
		{name: "request/size", parse: request, in: "GET /1500 HTTP/1.1\r\n\r\n", want: httpRequest{Method: "GET", Target: "/1500", Proto: "HTTP/1.1", Size: 1500}},
		{name: "request/split", parse: request, in: "GET /10?split HTTP/1.1\r\nConnection: keep-alive\r\n\r\n",
			want: httpRequest{Method: "GET", Target: "/10?split", Proto: "HTTP/1.1", Size: 10, Split: true}},
		{name: "request/close", parse: request, in: "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", want: httpRequest{Method: "GET", Target: "/", Proto: "HTTP/1.1", Size: -1, Close: true}},
		{name: "request/HTTP 1.0", parse: request, in: "HEAD /x HTTP/1.0\n\n", want: httpRequest{Method: "HEAD", Target: "/x", Proto: "HTTP/1.0", Size: -1, Close: true}},
		{name: "request/HTTP 1.0 keep-alive", parse: request, in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", want: httpRequest{Method: "GET", Target: "/", Proto: "HTTP/1.0", Size: -1}},
		{name: "request/post body", parse: request, in: "POST /5 HTTP/1.1\r\nContent-Length: 100\r\n\r\n", want: httpRequest{Method: "POST", Target: "/5", Proto: "HTTP/1.1", Size: 5, ContentLength: 100}},
		{name: "request/leading empty line", parse: request, in: "\r\nGET / HTTP/1.1\r\n\r\n", want: httpRequest{Method: "GET", Target: "/", Proto: "HTTP/1.1", Size: -1}},
		{name: "request/huge size ignored", parse: request, in: "GET /99999999999 HTTP/1.1\r\n\r\n", want: httpRequest{Method: "GET", Target: "/99999999999", Proto: "HTTP/1.1", Size: -1}},
		{name: "request/bad line", parse: request, in: "GET /\r\n\r\n", wantErr: "malformed request line"},
		{name: "request/HTTP 2", parse: request, in: "PRI * HTTP/2.0\r\n\r\n", wantErr: "unsupported protocol"},
		{name: "request/bad header", parse: request, in: "GET / HTTP/1.1\r\nno colon\r\n\r\n", wantErr: "malformed header"},
		{name: "request/negative length", parse: request, in: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", wantErr: "bad Content-Length"},
		{name: "request/chunked", parse: request, in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", wantErr: "transfer-encoding"},
		{name: "request/truncated", parse: request, in: "GET / HTTP/1.1\r\nHost: x\r\n", wantErr: "unexpected EOF"},
		{name: "request/too large", parse: request, in: "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n", wantErr: "too large"},
		{name: "request/too many", parse: request, in: "GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", maxHeaders+2) + "\r\n", wantErr: "more than"},
		{name: "response/ours", parse: response, in: string(responseHead(200, "OK", 100, true)), want: httpResponse{Status: 200, ContentLength: 100, Close: true}},
		{name: "response/no length", parse: response, in: "HTTP/1.0 404 Not Found\r\n\r\n", want: httpResponse{Status: 404, ContentLength: -1, Close: true}},
		{name: "response/no reason", parse: response, in: "HTTP/1.1 204\r\n\r\n", want: httpResponse{Status: 204, ContentLength: -1}},
		{name: "response/garbage", parse: response, in: "SSH-2.0-OpenSSH\r\n\r\n", wantErr: "not an HTTP/1.x status line"},
		{name: "response/bad code", parse: response, in: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: "bad status"},
		{name: "response/bad length", parse: response, in: "HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n", wantErr: "bad Content-Length"},
		{name: "response/chunked", parse: response, in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", wantErr: "chunked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := readHead(bufio.NewReader(strings.NewReader(tt.in)))
			var got any
			if err == nil {
				got, err = tt.parse(lines)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The whole response the server builds reads back through the client's
// parser with the body size it announced.
func TestResponseRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 100, 5000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			raw := append(responseHead(200, "OK", size, false), body(size)...)
			resp, n, err := readResponse(bufio.NewReader(strings.NewReader(string(raw))), "GET")
			if err != nil || resp.Status != 200 || n != int64(size) {
				t.Errorf("size %d: status %v, %d bytes, err %v", size, resp, n, err)
			}
		})
	}
	raw := append(responseHead(200, "OK", 10, false), "short"...)
	if _, _, err := readResponse(bufio.NewReader(strings.NewReader(string(raw))), "GET"); err == nil {
		t.Error("a body shorter than Content-Length read as complete")
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	f.Add("POST /5?split HTTP/1.1\r\nContent-Length: 3\r\nConnection: close, keep-alive\r\n\r\nabc")
	f.Add("HEAD /1 HTTP/1.0\n\n")
	f.Add("\r\n\r\nGET  HTTP/1.1\r\n:\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := readHead(bufio.NewReader(strings.NewReader(in)))
		if err != nil {
			return
		}
		req, err := parseRequest(lines)
		if err != nil {
			return
		}
		if req.ContentLength < 0 || req.ContentLength > maxBodyBytes || req.Size > maxBodyBytes || req.Size < -1 {
			t.Fatalf("out of bounds: %+v", req)
		}
	})
}

func FuzzReadResponse(f *testing.F) {
	f.Add(string(append(responseHead(200, "OK", 5, true), "abcd\n"...)))
	f.Add("HTTP/1.0 200 OK\r\n\r\nto the end")
	f.Add("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		resp, n, err := readResponse(bufio.NewReader(strings.NewReader(in)), "GET")
		if err == nil && (resp == nil || n > int64(len(in))) {
			t.Fatalf("resp %+v, %d body bytes from %d input bytes", resp, n, len(in))
		}
	})
}

// A streamed body is the same bytes at every size, chunk boundaries
// included: lines of the alphabet, ending in a newline.
func TestBodyPieces(t *testing.T) {
	for _, n := range []int{0, 1, 2, len(bodyLine), bodyChunk - 1, bodyChunk, bodyChunk + 1, 3*bodyChunk + 17} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			want := make([]byte, n)
			for i := range want {
				want[i] = bodyLine[i%len(bodyLine)]
			}
			if n > 0 {
				want[n-1] = '\n'
			}
			pieces := 0
			for p := range bodyPieces(n) {
				if len(p) > bodyChunk {
					t.Errorf("a piece of %d bytes, more than a chunk", len(p))
				}
				pieces++
			}
			if got := body(n); !bytes.Equal(got, want) {
				t.Errorf("body(%d) differs from the pattern (%d pieces)", n, pieces)
			}
		})
	}
}
