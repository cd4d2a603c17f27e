package cmd_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// Every binary builds, answers --help on stdout with exit 0, and rejects a bad
// flag with a one-line error on stderr (plus the hint) and a non-zero exit.
// (Each tool's scripts, pkg/<tool>/testdata/script, hold the exact words.)
func TestEveryToolHelpAndBadFlag(t *testing.T) {
	tools, _ := filepath.Glob("*/main.go")
	if len(tools) != 8 {
		t.Fatalf("want 8 tools under cmd/, found %v", tools)
	}
	for _, main := range tools {
		tool := filepath.Dir(main)
		t.Run(tool, func(t *testing.T) {
			bin := netlab.Binary(t, tool)
			out, err := exec.Command(bin, "--help").Output()
			if err != nil || !strings.HasPrefix(string(out), "usage: "+tool) {
				t.Errorf("--help: %v\n%s", err, out)
			}
			cmd := exec.Command(bin, "--no-such-flag")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err = cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
				t.Errorf("bad flag: want a non-zero exit, got %v", err)
			}
			if first := strings.SplitN(stderr.String(), "\n", 2)[0]; !strings.HasPrefix(first, tool+": ") {
				t.Errorf("bad flag: stderr %q does not start with %q", stderr.String(), tool+": ")
			}
		})
	}
}
