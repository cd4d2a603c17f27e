package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gnetutils/pkg/cli"
)

// generate writes every page and completion into a temporary directory.
func generate(t *testing.T) (manDir, compDir string) {
	t.Helper()
	dir := t.TempDir()
	manDir, compDir = filepath.Join(dir, "man"), filepath.Join(dir, "completion")
	if err := run("../../man", manDir, compDir, "v0.0.0-test", "2026-12-02"); err != nil {
		t.Fatal(err)
	}
	return manDir, compDir
}

// TestOptionsMatchHelp: each page's OPTIONS lists exactly the flags the
// tool's --help lists, each subcommand's too, with the same value names
// and descriptions (defaults included), so a page cannot drift from the
// flags the tool parses.
func TestOptionsMatchHelp(t *testing.T) {
	manDir, _ := generate(t)
	for _, tl := range tools {
		t.Run(tl.name, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join(manDir, manName(tl)))
			if err != nil {
				t.Fatal(err)
			}
			fromMan := manOptions(string(page))
			spec, err := cli.Describe(tl.run)
			if err != nil {
				t.Fatal(err)
			}
			commands := []string{""}
			for _, s := range spec.Subs {
				commands = append(commands, s.Word)
			}
			for _, sub := range commands {
				args := []string{"--help"}
				if sub != "" {
					args = []string{sub, "--help"}
				}
				var out bytes.Buffer
				if code := tl.run(context.Background(), args, nil, &out, &out); code != 0 {
					t.Fatalf("%s %v: exit %d", tl.name, args, code)
				}
				help := helpOptions(out.String())
				man := fromMan[sub]
				delete(man, "--completion shell")
				if len(help) == 0 {
					t.Fatalf("%s %v: no options in --help", tl.name, args)
				}
				for spec, text := range help {
					if got, ok := man[spec]; !ok {
						t.Errorf("%q %s: in --help, not in the page", sub, spec)
					} else if got != text {
						t.Errorf("%q %s: page says %q, --help %q", sub, spec, got, text)
					}
				}
				for spec := range man {
					if _, ok := help[spec]; !ok {
						t.Errorf("%q %s: in the page, not in --help", sub, spec)
					}
				}
			}
		})
	}
}

func manName(tl tool) string { return tl.name + "." + string(rune('0'+tl.section)) }

// helpOptions reads the "options:" block of --help: flag spec -> text,
// whitespace folded.
func helpOptions(help string) map[string]string {
	_, block, _ := strings.Cut(help, "\noptions:\n")
	block, _, _ = strings.Cut(block, "\n\n")
	out := map[string]string{}
	var spec string
	for _, line := range strings.Split(block, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-") && (strings.HasPrefix(line, "  -") || strings.HasPrefix(line, "      --")) {
			var text string
			spec, text, _ = strings.Cut(trimmed, "  ")
			out[spec] = fold(text)
			continue
		}
		out[spec] = fold(out[spec] + " " + trimmed) // a description's next line
	}
	return out
}

// manOptions reads a page's OPTIONS: subcommand ("" for the tool) -> flag
// spec -> text, with the roff undone and whitespace folded.
func manOptions(page string) map[string]map[string]string {
	_, sect, _ := strings.Cut(page, "\n.SH OPTIONS\n")
	sect, _, _ = strings.Cut(sect, "\n.SH ")
	out := map[string]map[string]string{"": {}}
	sub := ""
	var entry []string
	flush := func() {
		if len(entry) > 0 {
			out[sub][unroff(entry[0])] = fold(unroff(strings.Join(entry[1:], " ")))
		}
		entry = nil
	}
	for _, line := range strings.Split(sect, "\n") {
		switch {
		case strings.HasPrefix(line, ".SS "):
			flush()
			words := strings.Fields(strings.Trim(strings.TrimPrefix(line, ".SS "), `"`))
			sub = ""
			if len(words) == 2 {
				sub = words[1]
			}
			if out[sub] == nil {
				out[sub] = map[string]string{}
			}
		case line == ".TP":
			flush()
			entry = []string{}
		case entry != nil:
			entry = append(entry, line)
		}
	}
	flush()
	return out
}

func unroff(s string) string {
	return strings.NewReplacer(`\fB`, "", `\fR`, "", `\fI`, "", `\-`, "-", `\e`, `\`, `\&`, "", `\:`, "").Replace(s)
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestManLint: every page is clean under mandoc -Tlint and groff -ww, and
// man -l renders it with each section the issue asks for.
func TestManLint(t *testing.T) {
	manDir, _ := generate(t)
	for _, tl := range tools {
		t.Run(tl.name, func(t *testing.T) {
			path := filepath.Join(manDir, manName(tl))
			page, _ := os.ReadFile(path)
			for _, sect := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EXIT STATUS", "SECURITY", "EXAMPLES", "SEE ALSO"} {
				if !bytes.Contains(page, []byte("\n.SH "+sect+"\n")) {
					t.Errorf("no %s section", sect)
				}
			}
			checks := [][]string{{"mandoc", "-Tlint", "-Wstyle", path}, {"groff", "-ww", "-z", "-man", path}, {"man", "-l", "-Tutf8", path}}
			for _, c := range checks {
				if _, err := exec.LookPath(c[0]); err != nil {
					t.Logf("%s is not installed (scripts/deps.sh installs it): not checked", c[0])
					continue
				}
				cmd := exec.Command(c[0], c[1:]...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil || stderr.Len() > 0 || (c[0] != "man" && len(out) > 0) {
					t.Errorf("%s: %v\n%s%s", strings.Join(c, " "), err, stderr.String(), out)
				}
				// Bold and underline come as overstrikes: "O\bO".
				out = regexp.MustCompile(".\b").ReplaceAll(out, nil)
				if c[0] == "man" && !bytes.Contains(out, []byte("\nOPTIONS\n")) {
					t.Errorf("man -l rendered no OPTIONS:\n%s", out)
				}
			}
		})
	}
}

// TestBashCompletionOfTools completes real command lines of the real
// tools in bash, through the scripts make install installs.
func TestBashCompletionOfTools(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, compDir := generate(t)
	cases := []struct {
		tool  string
		words []string
		want  []string // all of these among the candidates
		not   []string // none of these
	}{
		{"gping", []string{"gping", "-M", ""}, []string{"do", "dont", "want", "probe"}, []string{"--count"}},
		{"gping", []string{"gping", "--coun"}, []string{"--count"}, nil},
		{"gping", []string{"gping", "-I", "l"}, []string{"lo"}, nil},
		{"gtraceroute", []string{"gtraceroute", "-i", "l"}, []string{"lo"}, nil},
		{"gdig", []string{"gdig", "example.org", "+sh"}, []string{"+short"}, nil},
		{"gdig", []string{"gdig", "-t", "AA"}, []string{"AAAA"}, []string{"A"}},
		{"gdig", []string{"gdig", "example.org", "M"}, []string{"MX"}, nil},
		{"gtfo", []string{"gtfo", ""}, []string{"serve", "get", "compare"}, nil},
		{"gtfo", []string{"gtfo", "serve", "--"}, []string{"--listen", "--fastopen-queue"}, []string{"--no-tfo"}},
		{"gtfo", []string{"gtfo", "get", "--no"}, []string{"--no-tfo"}, nil},
		{"gudpecho", []string{"gudpecho", "--blo"}, []string{"--blocked-ports"}, nil},
		{"gpmtud", []string{"gpmtud", "--ho"}, []string{"--hops"}, nil},
		{"garp", []string{"garp", "--sc"}, []string{"--scan"}, nil},
		{"gtcpecho", []string{"gtcpecho", "--gr"}, []string{"--grace"}, nil},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.words, " "), func(t *testing.T) {
			if _, err := os.Stat("/sys/class/net/lo"); err != nil && slices.Contains(tc.want, "lo") {
				t.Skip("no /sys/class/net/lo to complete")
			}
			got := complete(t, bash, filepath.Join(compDir, "bash", tc.tool), tc.tool, tc.words)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("candidates %q lack %q", got, w)
				}
			}
			for _, w := range tc.not {
				if slices.Contains(got, w) {
					t.Errorf("candidates %q include %q", got, w)
				}
			}
		})
	}
}

func complete(t *testing.T, bash, script, tool string, words []string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+w+"'")
	}
	prog := "source '" + script + "' || exit 1\n" +
		"spec=$(complete -p " + tool + ") || exit 1\n" +
		"fn=${spec#*-F }; fn=${fn%% *}\n" +
		"COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n" +
		"$fn " + tool + "\n" +
		"printf '%s\\n' \"${COMPREPLY[@]}\"\n"
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}
