package garp

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// classicOption is one option of a classic's --help: its letter and
// whether it takes an argument.
type classicOption struct {
	letter string
	arg    bool
}

// helpOption is a line of iputils' usage text that gives an option:
// "  -c <count>    stop after ...".
var helpOption = regexp.MustCompile(`(?m)^\s+-([0-9A-Za-z])(\s+<[^>]+>)?\s`)

// classicOptions runs the classic with args and reads its option list from
// the usage it prints; it skips the test where the classic is missing.
func classicOptions(t *testing.T, classic string, args ...string) []classicOption {
	t.Helper()
	path, err := exec.LookPath(classic)
	if err != nil {
		t.Skipf("no %s here to compare with", classic)
	}
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // iputils exits 2 after its usage
	var opts []classicOption
	for _, m := range helpOption.FindAllStringSubmatch(out.String(), -1) {
		opts = append(opts, classicOption{letter: m[1], arg: m[2] != ""})
	}
	if len(opts) < 10 {
		t.Fatalf("%s %v: found only %d options in\n%s", classic, args, len(opts), out.String())
	}
	return opts
}

// argFor is a value each option of arping that takes one accepts.
var argFor = map[string]string{"I": "lo", "s": "127.0.0.1"}

// TestClassicOptions walks the option list of the arping installed here,
// as its own --help gives it, and fails for every option garp refuses:
// when iputils grows an option, this test says so.
func TestClassicOptions(t *testing.T) {
	for _, opt := range classicOptions(t, "arping", "--help") {
		t.Run("-"+opt.letter, func(t *testing.T) {
			args := []string{"-" + opt.letter}
			if opt.arg {
				v, ok := argFor[opt.letter]
				if !ok {
					v = "1"
				}
				args = append(args, v)
			}
			var stderr bytes.Buffer
			if _, _, done, _ := parseFlags(append(args, "127.0.0.1"), &bytes.Buffer{}, &stderr); done && strings.Contains(stderr.String(), "unknown") {
				t.Errorf("garp %s: %s", strings.Join(args, " "), stderr.String())
			}
		})
	}
}
