package gtfo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/kstat"
)

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"get", "-h"}, {"compare", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(context.Background(), args, nil, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "usage: gtfo") {
				t.Errorf("gtfo %v: exit %d, stdout %q", args, code, stdout.String())
			}
		})
	}
}

func TestMissingBit(t *testing.T) {
	tests := []struct {
		name       string
		value, bit int
		want       string
	}{
		{"client bit set", 3, tfoClientBit, ""},
		{"server bit set", 3, tfoServerBit, ""},
		{"server bit missing", 1, tfoServerBit, "net.ipv4.tcp_fastopen=1 lacks the server bit (0x2): listeners here do not accept data in a SYN; set it with: sysctl -w net.ipv4.tcp_fastopen=3"},
		{"client bit missing", 0, tfoClientBit, "net.ipv4.tcp_fastopen=0 lacks the client bit (0x1): connections from here send no data in the SYN; set it with: sysctl -w net.ipv4.tcp_fastopen=1"},
		{"client bit missing, other bits kept", 0x402, tfoClientBit, "net.ipv4.tcp_fastopen=1026 lacks the client bit (0x1): connections from here send no data in the SYN; set it with: sysctl -w net.ipv4.tcp_fastopen=1027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingBit(tt.value, tt.bit); got != tt.want {
				t.Errorf("missingBit(%d, %d) = %q, want %q", tt.value, tt.bit, got, tt.want)
			}
		})
	}
}

func TestEventVocabulary(t *testing.T) {
	clitest.CheckEvents(t, getReply{}, getError{}, getSummary{}, caseResult{}, compareSummary{}, listenEvent{}, connReport{}, serveSummary{})
}

func TestTableGolden(t *testing.T) {
	three := 3
	results := []*caseResult{
		{Case: "plain", Group: 1, Title: "plain connect + GET", Measure: "first byte", Rounds: 3, OK: 3, MedianMS: 41.52, P95MS: 41.59, Counters: kstat.Counters{"TcpExtTCPFastOpenActive": 0}},
		{Case: "tfo", Group: 1, Title: "TFO connect + GET", Measure: "first byte", Rounds: 3, OK: 3, MedianMS: 20.74, P95MS: 20.93, SynData: &three, Counters: kstat.Counters{"TcpExtTCPFastOpenActive": 6}},
		{Case: "quickack_once", Group: 3, Title: "split response, TCP_QUICKACK once", Measure: "request to response", Rounds: 3, OK: 2, MedianMS: 84.18, P95MS: 84.41, FirstMS: 83.87, Counters: kstat.Counters{"TcpExtDelayedACKs": 5}, Error: "connection reset by peer"},
		{Case: "tfo", Group: 1, Title: "TFO connect + GET", Measure: "first byte", Rounds: 3, Skipped: "net.ipv4.tcp_fastopen=0 lacks the client bit (0x1)"},
	}
	var out bytes.Buffer
	textPrinter{lines: cli.NewLines(&out)}.table("198.18.1.1:8080", 3, 100, results)
	clitest.Golden(t, "compare.golden", out.String())
}

// startLoopbackServer runs gtfo serve in-process on 127.0.0.1 and returns its
// address and a function that stops it and returns its output.
func startLoopbackServer(t *testing.T, args ...string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "-l", "127.0.0.1:0", "--json"}, args...), nil, pw, &stderr)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("gtfo serve: %v %s", err, stderr.String())
	}
	var ev struct{ Type, Addr string }
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Type != "listen" {
		t.Fatalf("first event %q: %v", line, err)
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(br); rest <- string(b) }()
	stop := func() string {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("gtfo serve: exit %d: %s", code, stderr.String())
			}
		case <-time.After(5 * time.Second):
			t.Fatal("gtfo serve did not stop")
		}
		return <-rest
	}
	t.Cleanup(func() { cancel() })
	return ev.Addr, stop
}

// Over loopback (no root needed): get and compare against serve, in both
// output modes, with the server's per-connection events.
func TestLoopbackServeGet(t *testing.T) {
	addr, stop := startLoopbackServer(t, "-s", "321")
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"get", addr, "-n", "2"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("get: exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "321 bytes in"); n != 2 {
		t.Errorf("want 2 responses of 321 bytes:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := Run(context.Background(), []string{"get", addr, "--no-tfo", "-s", "7", "--json"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("get --json: exit %d: %s", code, stderr.String())
	}
	var reply getReply
	if err := json.Unmarshal([]byte(strings.Split(stdout.String(), "\n")[0]), &reply); err != nil || reply.Size != 7 || reply.Status != 200 || reply.TFO {
		t.Errorf("reply %+v, err %v:\n%s", reply, err, stdout.String())
	}
	stdout.Reset()
	if code := Run(context.Background(), []string{"compare", addr, "-n", "2", "--warmup", "1", "--json"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr.String())
	}
	var seen []string
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var ev caseResult
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if ev.Type == "case" {
			seen = append(seen, ev.Case)
		}
	}
	if len(seen) != len(cases) {
		t.Errorf("cases %v, want all %d", seen, len(cases))
	}
	// A raw (non-HTTP) request gets SIZE raw bytes.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = conn.Write([]byte("hello\n"))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(io.LimitReader(conn, 321))
	conn.Close()
	if err != nil || len(got) != 321 {
		t.Errorf("raw request: %d bytes, %v", len(got), err)
	}
	out := stop()
	if !strings.Contains(out, `"type":"conn"`) || !strings.Contains(out, `"proto":"raw"`) || !strings.Contains(out, `"type":"summary"`) {
		t.Errorf("server events:\n%s", out)
	}
}

func TestLoopbackRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, args := range [][]string{{"get", addr}, {"get", addr, "--no-tfo"}, {"compare", addr}} {
		name := strings.Join(append([]string{args[0]}, args[2:]...), " ")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), args, nil, &stdout, &stderr)
			if code != exitConnect || !strings.Contains(stderr.String(), "connection refused") {
				t.Errorf("gtfo %v: exit %d, stderr %q", args, code, stderr.String())
			}
		})
	}
}
