package gtraceroute

import (
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestClassicOptions runs every option of traceroute's own --help (read
// from the installed traceroute, so the list cannot drift) through our
// flag parser: none may be refused.
func TestClassicOptions(t *testing.T) {
	out, err := exec.Command("traceroute", "--help").CombinedOutput()
	if err != nil {
		t.Skipf("no traceroute to read the options from: %v", err)
	}
	opts := clitest.HelpOptions(string(out))
	if len(opts) < 30 {
		t.Fatalf("read only %d options from traceroute --help", len(opts))
	}
	for _, o := range opts {
		t.Run(o.Name, func(t *testing.T) {
			args := []string{o.Name}
			if o.Value {
				args = append(args, "1")
			}
			var stderr strings.Builder
			if _, done, code := parseFlags(append(args, "h"), io.Discard, &stderr); done && code != 0 {
				t.Errorf("%s refused: %s", strings.Join(args, " "), stderr.String())
			}
		})
	}
}

// TestClassicModuleOptions: -O help prints traceroute's text for every
// method, and -O's refusals are traceroute's words (on one line) and
// status, each against the installed traceroute.
func TestClassicModuleOptions(t *testing.T) {
	if _, err := exec.LookPath("traceroute"); err != nil {
		t.Skipf("no traceroute to compare with: %v", err)
	}
	lists := [][]string{
		{"-O", "bogus", "-T"}, {"-T", "-O", "bogus"}, {"-T", "-O", "syn=1"}, {"-T", "-O", "mss"}, {"-T", "-O", "mss=abc"},
		{"-T", "-O", "flags=zz"}, {"-T", "-O", "ack,mss="}, {"-T", "-O", "syn", "-O", "s"}, {"-T", "-O", "wi=3"},
		{"-I", "-O", "raw,dgram"}, {"-I", "-O", "raw", "-O", "raw"}, {"-I", "-O", "-x"}, {"-I", "-O", "--x"},
		{"-UL", "-O", "coverage"}, {"-UL", "-O", "coverage=abc"}, {"-UL", "-O", "c=1"},
		{"-P", "253", "-O", "protocol=abc"}, {"-P", "nosuchproto"}, {"-M", "raw", "-O", "pr"},
		{"-D", "-O", "service=x"}, {"-D", "-O", "serv"}, {"-P", "6", "-T"},
	}
	for _, m := range []string{"default", "udp", "icmp", "tcp", "tcpconn", "udplite", "dccp", "raw"} {
		lists = append(lists, []string{"-M", m, "-O", "help"})
	}
	for _, args := range lists {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			args := append(args, "127.0.0.1")
			var want strings.Builder
			cmd := exec.Command("traceroute", args...)
			cmd.Stderr = &want
			wantCode := 0
			if err := cmd.Run(); err != nil {
				wantCode = err.(*exec.ExitError).ExitCode()
			}
			wantText := want.String()
			if wantCode != 0 { // ours: one "gtraceroute: " line
				wantText = "gtraceroute: " + strings.ReplaceAll(strings.TrimSpace(wantText), "\n", " ") + "\n"
			}
			var stderr strings.Builder
			code := Run(context.Background(), args, nil, io.Discard, &stderr)
			if code != wantCode || stderr.String() != wantText {
				t.Errorf("exit %d, traceroute's %d\n--- gtraceroute:\n%s--- traceroute:\n%s", code, wantCode, stderr.String(), want.String())
			}
		})
	}
}
