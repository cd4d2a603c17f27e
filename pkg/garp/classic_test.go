package garp

import (
	"bytes"
	"gnetutils/pkg/cli/clitest"
	"strings"
	"testing"
)

// argFor is a value each option of arping that takes one accepts.
var argFor = map[string]string{"I": "lo", "s": "127.0.0.1"}

// TestClassicOptions walks the option list of the arping installed here,
// as its own --help gives it, and fails for every option garp refuses:
// when iputils grows an option, this test says so.
func TestClassicOptions(t *testing.T) {
	for _, opt := range clitest.IputilsOptions(t, "arping", "--help") {
		t.Run("-"+opt.Letter, func(t *testing.T) {
			args := []string{"-" + opt.Letter}
			if opt.Arg {
				v, ok := argFor[opt.Letter]
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
