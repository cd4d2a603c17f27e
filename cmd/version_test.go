package cmd_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/netlab"
)

// Every binary prints its --version as one line (tool, version, commit
// date, Go release) and its completion script for each shell, which
// cli.Main answers before the tool runs; an unknown shell is bad usage.
func TestEveryToolVersionAndCompletion(t *testing.T) {
	tools, _ := filepath.Glob("*/main.go")
	for _, main := range tools {
		tool := filepath.Dir(main)
		t.Run(tool, func(t *testing.T) {
			bin := netlab.Binary(t, tool)
			out, err := exec.Command(bin, "--version").Output()
			line := regexp.MustCompile(`^` + tool + ` \(gnetutils\) \S+ (\d{4}-\d\d-\d\d|unknown) go\S+\n$`)
			if err != nil || !line.Match(out) {
				t.Errorf("--version: %v %q", err, out)
			}
			for _, shell := range cli.Shells {
				out, err := exec.Command(bin, "--completion", shell).Output()
				if err != nil || !strings.Contains(string(out), tool) {
					t.Errorf("--completion %s: %v\n%s", shell, err, out)
				}
			}
			err = exec.Command(bin, "--completion", "tcsh").Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != cli.ExitUsage {
				t.Errorf("--completion tcsh: %v, want exit %d", err, cli.ExitUsage)
			}
		})
	}
}
