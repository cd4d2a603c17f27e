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
