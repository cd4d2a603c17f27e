package gtraceroute

import (
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// classicOption is one option of a classic's --help: its spelling and
// whether it takes a value.
type classicOption struct {
	name  string
	value bool
}

// optionRE finds "-f first_ttl", "--first=first_ttl", "-d", "--mtu" and
// "-l <length>" in a line of a help text.
var optionRE = regexp.MustCompile(`(?:^|\s)(--?[A-Za-z0-9][A-Za-z0-9-]*)(=\S+| [a-z<][a-z_<>,.]*)?`)

// classicOptions are the options that traceroute's --help lists, one per
// line that starts with an option.
func classicOptions(help string) []classicOption {
	var opts []classicOption
	for _, line := range strings.Split(help, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "-") || !strings.HasPrefix(line, "  ") {
			continue
		}
		for _, m := range optionRE.FindAllStringSubmatch(strings.TrimSpace(line), -1) {
			opts = append(opts, classicOption{name: m[1], value: m[2] != ""})
		}
	}
	return opts
}

// pending are traceroute's options not yet taken: each one named here is
// work left on issue 19, not an option to refuse.
var pending = map[string]bool{
	"-l": true, "--flowlabel": true,
	"-A": true, "--as-path-lookups": true, "-O": true,
	"--options": true, "-D": true, "--dccp": true,
	"-P": true, "--protocol": true,
}

// TestClassicOptions runs every option of traceroute's own --help (read
// from the installed traceroute, so the list cannot drift) through our
// flag parser: none may be refused.
func TestClassicOptions(t *testing.T) {
	out, err := exec.Command("traceroute", "--help").CombinedOutput()
	if err != nil {
		t.Skipf("no traceroute to read the options from: %v", err)
	}
	opts := classicOptions(string(out))
	if len(opts) < 30 {
		t.Fatalf("read only %d options from traceroute --help", len(opts))
	}
	for _, o := range opts {
		t.Run(o.name, func(t *testing.T) {
			if pending[o.name] {
				t.Skipf("%s: not yet implemented (issue 19)", o.name)
			}
			args := []string{o.name}
			if o.value {
				args = append(args, "1")
			}
			var stderr strings.Builder
			if _, done, code := parseFlags(append(args, "h"), io.Discard, &stderr); done && code != 0 {
				t.Errorf("%s refused: %s", strings.Join(args, " "), stderr.String())
			}
		})
	}
}
