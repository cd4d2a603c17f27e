package gping

import (
	"bytes"
	"gnetutils/pkg/cli/clitest"
	"strings"
	"testing"
)

// argFor is a value each option of ping that takes one accepts.
var argFor = map[string]string{"M": "do", "T": "tsonly", "N": "name", "I": "lo", "p": "ff", "Q": "0"}

// TestClassicOptions walks the option list of the ping installed here, as
// its own --help gives it, and fails for every option gping refuses: when
// iputils grows an option, this test says so.
func TestClassicOptions(t *testing.T) {
	for _, opt := range clitest.IputilsOptions(t, "ping", "--help") {
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
				t.Errorf("gping %s: %s", strings.Join(args, " "), stderr.String())
			}
		})
	}
}
