package gpmtud

import (
	"errors"
	"gnetutils/pkg/cli/clitest"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// pending are tracepath's options not yet taken: each one named here is
// work left on issue 19, not an option to refuse.
var pending = map[string]bool{}

// TestClassicOptions runs every option of tracepath's own -h (read
// from the installed tracepath, so the list cannot drift) through our
// flag parser: none may be refused.
func TestClassicOptions(t *testing.T) {
	// tracepath -h exits 255 after its usage: only a missing tracepath skips.
	out, err := exec.Command("tracepath", "-h").CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skipf("no tracepath to read the options from: %v", err)
	}
	opts := clitest.HelpOptions(string(out))
	if len(opts) < 8 {
		t.Fatalf("read only %d options from tracepath -h", len(opts))
	}
	for _, o := range opts {
		t.Run(o.Name, func(t *testing.T) {
			if pending[o.Name] {
				t.Skipf("%s: not yet implemented (issue 19)", o.Name)
			}
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
