package gpmtud

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runLocal(args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), args, nil, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no host", nil, "gpmtud: expected one host"},
		{"unknown flag", []string{"--bogus", "127.0.0.1"}, "gpmtud: unknown flag: --bogus"},
		{"-4 with an IPv6 host", []string{"-4", "::1"}, "Address family"},
		{"-4 with -6", []string{"-4", "-6", "127.0.0.1"}, "exclude each other"},
		{"size below the UDP minimum", []string{"-s", "1", "127.0.0.1"}, "-s 1 out of range"},
		{"wait 0", []string{"-w", "0", "127.0.0.1"}, "must be positive"},
		{"start below the IPv4 minimum", []string{"-l", "20", "127.0.0.1"}, "start size 20 out of range"},
		{"port 0", []string{"-p", "0", "127.0.0.1"}, "port 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runLocal(tc.args...)
			if code != 2 || !strings.HasPrefix(errOut, "gpmtud: ") || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
			}
		})
	}
}

// TestLoopback runs the whole tool against loopback, which needs no lab:
// the kernel's port-unreachable answers, at the largest IPv4 packet size.
func TestLoopback(t *testing.T) {
	out, errOut, code := runLocal("127.0.0.1")
	if code != 0 || !strings.HasPrefix(out, "pmtu 65535 (probing) to 127.0.0.1: udp payload 65507, icmp payload 65507, tcp mss 65495") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	out, errOut, code = runLocal("--json", "-v", "-s", "1000", "::1")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last map[string]any
	for _, l := range lines {
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
	}
	var probe map[string]any
	json.Unmarshal([]byte(lines[0]), &probe)
	// The suite's names: host as given, addr its address, from who answered.
	if len(lines) != 2 || probe["from"] != "::1" || probe["result"] == nil ||
		last["type"] != "summary" || last["host"] != "::1" || last["through"] != true || last["size"] != float64(1048) {
		t.Errorf("JSON output:\n%s", out)
	}
}
