package clitest

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// ClassicOption is one option of a classic's usage text: its letter and
// whether it takes an argument.
type ClassicOption struct {
	Letter string
	Arg    bool
}

// iputilsOption is a line of iputils' usage text that gives an option:
// "  -c <count>    stop after ...".
var iputilsOption = regexp.MustCompile(`(?m)^\s+-([0-9A-Za-z])(\s+<[^>]+>)?\s`)

// IputilsOptions runs an iputils classic (ping, arping) with args and reads
// its option list from the usage it prints, so a test can walk it and fail
// for any option the tool refuses: when iputils grows an option, the test
// says so. It skips t where the classic is missing.
func IputilsOptions(t *testing.T, classic string, args ...string) []ClassicOption {
	t.Helper()
	path, err := exec.LookPath(classic)
	if err != nil {
		t.Skipf("no %s here to compare with; make deps installs it", classic)
	}
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // iputils exits 2 after its usage
	var opts []ClassicOption
	for _, m := range iputilsOption.FindAllStringSubmatch(out.String(), -1) {
		opts = append(opts, ClassicOption{Letter: m[1], Arg: m[2] != ""})
	}
	if len(opts) < 10 {
		t.Fatalf("%s %v: found only %d options in\n%s", classic, args, len(opts), out.String())
	}
	return opts
}

// HelpOption is one option a classic's help text lists: its spelling
// ("-f", "--first") and whether it takes a value.
type HelpOption struct {
	Name  string
	Value bool
}

// helpOptionRE finds "-f first_ttl", "--first=first_ttl", "-d", "--mtu"
// and "-l <length>" in a line of a help text.
var helpOptionRE = regexp.MustCompile(`(?:^|\s)(--?[A-Za-z0-9][A-Za-z0-9-]*)(=\S+| [a-z<][a-z_<>,.]*)?`)

// HelpOptions are the options a help text in traceroute's or tracepath's
// style lists, one per indented line that starts with an option.
func HelpOptions(help string) []HelpOption {
	var opts []HelpOption
	for _, line := range strings.Split(help, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "-") || !strings.HasPrefix(line, "  ") {
			continue
		}
		for _, m := range helpOptionRE.FindAllStringSubmatch(strings.TrimSpace(line), -1) {
			opts = append(opts, HelpOption{Name: m[1], Value: m[2] != ""})
		}
	}
	return opts
}
