package cli

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// fakeTool is a tool with what the completions must know about: a fixed
// value set, an interface flag, a file flag, a number, Words, and a
// subcommand with flags of its own.
func fakeTool(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		cmd := Command{Name: "gtool", Synopsis: "serve [-l ADDR]", Summary: "Serve things. More words."}
		var c Common
		fs := cmd.NewFlagSet(&c)
		fs.StringP("listen", "l", ":80", "listen on ADDR")
		done, code := cmd.Parse(fs, &c, args[1:], stdout, stderr, ExitUsage)
		if !done {
			panic("describe mode went on past Parse")
		}
		return code
	}
	cmd := Command{Name: "gtool", Synopsis: "[options] host", Subcommands: []string{"serve"}, Words: []string{"+short", "+trace"}}
	var c Common
	fs := cmd.NewFlagSet(&c)
	fs.StringP("pmtu", "M", "", "do, dont, want or probe")
	Values(fs, "pmtu", "do", "dont", "want", "probe")
	fs.StringP("interface", "I", "", "source interface")
	fs.String("pcap", "", "write frames to this pcap file")
	fs.IntP("count", "c", 0, "stop after COUNT")
	done, code := cmd.Parse(fs, &c, args, stdout, stderr, ExitUsage)
	if !done {
		panic("describe mode went on past Parse")
	}
	return code
}

func TestDescribe(t *testing.T) {
	spec, err := Describe(fakeTool)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Command.Name != "gtool" || len(spec.Subs) != 1 || spec.Subs[0].Word != "serve" {
		t.Fatalf("spec %+v", spec)
	}
	if spec.Flags.Lookup("pmtu") == nil || spec.Subs[0].Flags.Lookup("listen") == nil {
		t.Errorf("flags not captured")
	}
	if _, err := Describe(func(context.Context, []string, io.Reader, io.Writer, io.Writer) int { return 0 }); err == nil {
		t.Errorf("a run that never calls Parse: no error")
	}
}

// TestBashCompletion sources the generated script in a real bash and
// calls its function as bash's completion would, with COMP_WORDS and
// COMP_CWORD, for each case.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	spec, err := Describe(fakeTool)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Completion(&b, spec, "bash"); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "gtool")
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ifaces, _ := filepath.Glob("/sys/class/net/*")
	cases := []struct {
		name  string
		words []string // the last is the word being completed
		want  []string // exactly, or with a trailing "..." at least
	}{
		{"fixed values", []string{"gtool", "-M", ""}, []string{"do", "dont", "want", "probe"}},
		{"fixed values, prefix", []string{"gtool", "--pmtu", "d"}, []string{"do", "dont"}},
		{"--flag=value", []string{"gtool", "--pmtu", "=", "w"}, []string{"want"}},
		{"number", []string{"gtool", "-c", ""}, nil},
		{"long flags", []string{"gtool", "--p"}, []string{"--pmtu", "--pcap"}},
		{"subcommands", []string{"gtool", "s"}, []string{"serve"}},
		{"subcommand's flags", []string{"gtool", "serve", "--l"}, []string{"--listen"}},
		{"words", []string{"gtool", "-c", "1", "+t"}, []string{"+trace"}},
	}
	if len(ifaces) > 0 {
		name := filepath.Base(ifaces[0])
		cases = append(cases, struct {
			name  string
			words []string
			want  []string
		}{"interfaces", []string{"gtool", "-I", name}, []string{name, "..."}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := bashComplete(t, bash, script, "gtool", tc.words)
			if n := len(tc.want); n > 0 && tc.want[n-1] == "..." {
				for _, w := range tc.want[:n-1] {
					if !slices.Contains(got, w) {
						t.Errorf("candidates %q lack %q", got, w)
					}
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("candidates %q, want %q", got, tc.want)
			}
		})
	}
}

// bashComplete runs the completion of tool in script for words in bash
// and returns the candidates. It also checks that the script registered
// the function with complete, as bash-completion would load it.
func bashComplete(t *testing.T, bash, script, tool string, words []string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, shQuote(w))
	}
	prog := "source " + shQuote(script) + " || exit 1\n" +
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

// TestCompletionSyntax: zsh and fish read the scripts without a syntax
// error, where they are installed (bash is exercised above).
func TestCompletionSyntax(t *testing.T) {
	spec, err := Describe(fakeTool)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range []struct{ shell, check string }{{"bash", "-n"}, {"zsh", "-n"}, {"fish", "--no-execute"}} {
		t.Run(sh.shell, func(t *testing.T) {
			path, err := exec.LookPath(sh.shell)
			if err != nil {
				t.Skipf("%s is not installed", sh.shell)
			}
			var b strings.Builder
			if err := Completion(&b, spec, sh.shell); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "script")
			if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(path, sh.check, f).CombinedOutput(); err != nil {
				t.Errorf("%s %s: %v\n%s\n%s", sh.shell, sh.check, err, out, b.String())
			}
		})
	}
	if err := Completion(io.Discard, spec, "tcsh"); err == nil {
		t.Errorf("tcsh: no error")
	}
}

func TestVersionLine(t *testing.T) {
	defer func(v, d string) { Version, CommitDate = v, d }(Version, CommitDate)
	Version, CommitDate = "v1.2.3-4-gabcdef0", "2026-12-02"
	want := "gtool (gnetutils) v1.2.3-4-gabcdef0 2026-12-02 " + runtime.Version()
	if got := VersionLine("gtool"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	CommitDate = ""
	if got := VersionLine("gtool"); !regexp.MustCompile(`^gtool \(gnetutils\) \S+ (\d{4}-\d\d-\d\d|unknown) go\S+$`).MatchString(got) {
		t.Errorf("without a date: %q", got)
	}
}

// TestZshSubcommands: a subcommand's description is one word of zsh's
// ((word\:description ...)) list, its spaces escaped.
func TestZshSubcommands(t *testing.T) {
	spec, err := Describe(fakeTool)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Completion(&b, spec, "zsh"); err != nil {
		t.Fatal(err)
	}
	if want := `'1:command:((serve\:Serve\ things))'`; !strings.Contains(b.String(), want) {
		t.Errorf("zsh script lacks %s:\n%s", want, b.String())
	}
}
