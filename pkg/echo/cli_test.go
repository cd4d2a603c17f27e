package echo

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli"
)

var testCommand = cli.Command{Name: "gudpecho", Synopsis: "test"}

func runCLI(ctx context.Context, proto string, stdin string, args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	code := Run(ctx, proto, testCommand, args, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestCLIErrors(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.LocalAddr().(*net.UDPAddr).Port)
	tests := []struct {
		name  string
		proto string
		args  []string
		want  string
	}{
		{"unknown flag", "udp", []string{"--bogus"}, "unknown flag: --bogus"},
		{"port", "udp", []string{"-p", "70000"}, "out of range"},
		{"shards", "udp", []string{"-w", "0"}, "shards 0 out of range"},
		{"listen address", "udp", []string{"-l", "nowhere"}, "bad listen address"},
		{"blocked ports", "udp", []string{"--blocked-ports", "1,x"}, "bad port"},
		{"port in use", "udp", []string{"-l", "127.0.0.1", "-p", busyPort}, "in use by another program"},
		{"negative limit", "tcp", []string{"--max-conns", "-1"}, "negative limits"},
		{"client and bench", "tcp", []string{"--client", "127.0.0.1:1", "--bench", "127.0.0.1:1"}, "exclude each other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(context.Background(), tc.proto, "", tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") > 2 {
				t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
			}
		})
	}
}

// TestCLIServerAndClient runs the server CLI, talks to it with the client
// CLI and --bench, stops it and reads its final statistics.
func TestCLIServerAndClient(t *testing.T) {
	for _, proto := range []string{"udp", "tcp"} {
		t.Run(proto, func(t *testing.T) {
			probe, _ := net.Listen("tcp", "127.0.0.1:0")
			port := strconv.Itoa(probe.Addr().(*net.TCPAddr).Port)
			probe.Close()
			ctx, cancel := context.WithCancel(context.Background())
			type result struct {
				out, errOut string
				code        int
			}
			done := make(chan result, 1)
			go func() {
				out, errOut, code := runCLI(ctx, proto, "", "-l", "127.0.0.1", "-p", port, "-w", "2", "--json")
				done <- result{out, errOut, code}
			}()
			addr := "127.0.0.1:" + port
			var out string
			for i := 0; i < 50; i++ { // until the server is up
				time.Sleep(20 * time.Millisecond)
				if out, _, _ = runCLI(context.Background(), proto, "one\ntwo\n", "--client", addr); out == "one\ntwo\n" {
					break
				}
			}
			if out != "one\ntwo\n" {
				t.Errorf("%s client got %q", proto, out)
			}
			bench, errOut, code := runCLI(context.Background(), proto, "", "--bench", addr, "-c", "4", "-d", "200ms")
			if code != 0 || !strings.Contains(bench, "4 flows, 64-byte messages") || !strings.Contains(bench, "rtt p50") {
				t.Errorf("%s bench: exit %d %s%s", proto, code, bench, errOut)
			}
			cancel()
			r := <-done
			if r.code != 0 || !strings.Contains(r.out, `"final":true`) || !strings.Contains(r.errOut, "listening on 127.0.0.1:"+port) {
				t.Errorf("%s server: exit %d\n%s%s", proto, r.code, r.out, r.errOut)
			}
		})
	}
}
