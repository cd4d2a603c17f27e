package clitest

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Update is go test's -update flag: Golden rewrites its files and Scripts
// the expected output in its scripts from what the tools print now.
var Update = flag.Bool("update", false, "rewrite golden files and scripts' expected output from what the tools print")

// Golden compares got with the file testdata/name, or writes it there with
// -update.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *Update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run '^%s$' -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got:\n%s--- want:\n%s", path, got, want)
	}
}

// Normalize returns a function that hides what differs between two runs of
// a command (times, IDs, the tool's own name) before their outputs are
// compared: pairs are a regular expression and its replacement ($1 for a
// group), applied in order.
func Normalize(pairs ...string) func(string) string {
	if len(pairs)%2 != 0 {
		panic("clitest.Normalize: a pattern without its replacement")
	}
	type rule struct {
		re   *regexp.Regexp
		with string
	}
	var rules []rule
	for i := 0; i < len(pairs); i += 2 {
		rules = append(rules, rule{regexp.MustCompile(pairs[i]), pairs[i+1]})
	}
	return func(s string) string {
		for _, r := range rules {
			s = r.re.ReplaceAllString(s, r.with)
		}
		return s
	}
}
