package gdig

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"gnetutils/pkg/dnstest"
)

// TestFailureIsAnswer: a resolution that fails (the only root refuses)
// prints what dig prints against a resolver that fails: a SERVFAIL
// message with an Extended DNS Error giving the reason, status 0; +short
// prints nothing; --json has the message, the error among its members; a
// batch of such names prints a SERVFAIL for each and ends with 0.
func TestFailureIsAnswer(t *testing.T) {
	srv, err := dnstest.New()
	if err != nil {
		t.Fatal(err)
	}
	srv.SetBehave(func(string, uint16) dnstest.Behaviour { return dnstest.Behaviour{Lame: dnstest.Refused} })
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	if err := srv.Listen(addr); err != nil {
		t.Skip(err)
	}
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(addr)
	base := []string{"--root", "127.0.0.1", "-p", port, "+time=1"}
	tests := []struct {
		name string
		args []string
		want []string // lines the output holds
	}{
		{"text", []string{"www.example.lab"}, []string{"status: SERVFAIL", ";; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1",
			"; EDE: 22 (No Reachable Authority): (all servers of . failed (1 lame, 0 not answering, 0 unreachable)", ";www.example.lab.\t\tIN\tA"}},
		{"short", []string{"+short", "www.example.lab"}, nil},
		{"batch", []string{"-f", "-", "+noall", "+comments"}, []string{"id: ", "status: SERVFAIL", "; EDE: 22"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), append(base, tc.args...), strings.NewReader("a.lab\nb.lab\n"), &stdout, &stderr)
			out := stdout.String()
			if code != 0 || (tc.want == nil) != (out == "") {
				t.Fatalf("exit %d %s\n%s", code, stderr.String(), out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in\n%s", w, out)
				}
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), append(base, "--json", "www.example.lab"), nil, &stdout, &stderr); code != 0 {
		t.Fatalf("--json: exit %d %s", code, stderr.String())
	}
	var ev answerEvent
	if err := json.Unmarshal(stdout.Bytes(), &ev); err != nil || ev.RCODEname != "SERVFAIL" || len(ev.EDE) != 1 || ev.EDE[0].Code != 22 ||
		ev.EDE[0].Name != "No Reachable Authority" || !strings.Contains(ev.EDE[0].Text, "lame") {
		t.Errorf("--json: %v\n%s", err, stdout.String())
	}
}
