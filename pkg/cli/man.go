package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/pflag"
)

// ManSynopsis is a man page's SYNOPSIS section (man(7) macros) for spec:
// the usage line of --help, one per subcommand where the tool has them.
func ManSynopsis(spec Spec) string {
	b := &strings.Builder{}
	b.WriteString(".SH SYNOPSIS\n")
	lines := []string{spec.Command.Synopsis}
	if len(spec.Subs) > 0 {
		lines = nil
		for _, s := range spec.Subs {
			lines = append(lines, s.Command.Synopsis)
		}
	}
	for i, l := range lines {
		if i > 0 {
			b.WriteString(".br\n")
		}
		fmt.Fprintf(b, ".B %s\n%s\n", spec.Command.Name, Roff(l))
	}
	return b.String()
}

// ManOptions is a man page's OPTIONS section for spec: every flag as
// --help lists it (names, value, description, default), then each
// subcommand's in a subsection of its own, then --completion, which Main
// answers and --help leaves out.
func ManOptions(spec Spec) string {
	b := &strings.Builder{}
	b.WriteString(".SH OPTIONS\n")
	manFlags(b, spec.Flags)
	for _, s := range spec.Subs {
		fmt.Fprintf(b, ".SS \"%s %s\"\n", spec.Command.Name, s.Word)
		if sum := strings.TrimSpace(s.Command.Summary); sum != "" {
			fmt.Fprintf(b, "%s\n", Roff(sum))
		}
		manFlags(b, s.Flags)
	}
	if len(spec.Subs) > 0 {
		fmt.Fprintf(b, ".SS \"%s\"\n", spec.Command.Name)
	}
	b.WriteString(".TP\n\\fB\\-\\-completion\\fR \\fIshell\\fR\n")
	fmt.Fprintf(b, "print the completion script for \\fIshell\\fR (%s) and exit;\nonly as the first argument\n",
		strings.Join(Shells, ", "))
	return b.String()
}

func manFlags(b *strings.Builder, fs *pflag.FlagSet) {
	for _, f := range flags(fs) {
		_, text := helpEntry(f)
		b.WriteString(".TP\n")
		var n []string
		for _, name := range names(f) {
			n = append(n, `\fB`+Roff(name)+`\fR`)
		}
		spec := strings.Join(n, ", ")
		if varname, _ := pflag.UnquoteUsage(f); varname != "" && f.Value.Type() != "bool" {
			spec += ` \fI` + Roff(varname) + `\fR`
		}
		fmt.Fprintf(b, "%s\n%s\n", spec, Roff(text))
	}
}

// optionDash finds a '-' that starts a word, as in an option's name: roff
// must print those as \- (a minus, which copies and searches as '-'); a
// hyphen inside a word stays one.
var optionDash = regexp.MustCompile(`(^|[\s(\[|,/"'=])-+`)

// listComma is a comma inside a word: a break point for roff (\:).
var listComma = regexp.MustCompile(`,(\S)`)

// Roff escapes plain text for a man page: backslashes, option dashes, and
// a leading dot or quote on a line (which roff would read as a request).
// It breaks lines longer than 80 bytes at spaces (roff fills them again),
// as mandoc -Tlint asks, and lets roff break a long comma-separated list
// (gudpecho's --blocked-ports default) after each comma, where it would
// otherwise overrun the page.
func Roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = listComma.ReplaceAllString(s, `,\:$1`)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = optionDash.ReplaceAllStringFunc(l, func(m string) string { return strings.ReplaceAll(m, "-", `\-`) })
		for _, w := range wrap(l, 80) {
			if strings.HasPrefix(w, ".") || strings.HasPrefix(w, "'") {
				w = `\&` + w
			}
			out = append(out, w)
		}
	}
	return strings.Join(out, "\n")
}

// wrap breaks l at spaces into lines of at most width bytes where it can.
func wrap(l string, width int) []string {
	var lines []string
	for len(l) > width {
		i := strings.LastIndex(l[:width], " ")
		if i <= 0 {
			break
		}
		lines = append(lines, l[:i])
		l = strings.TrimLeft(l[i:], " ")
	}
	return append(lines, l)
}

// helpEntry is the flag as --help lists it, split into the part with the
// flag's names and value ("-c, --count int") and its description with the
// default ("stop after COUNT replies (default 1)"); continuation lines of
// a description that has several are joined with "\n".
func helpEntry(f *pflag.Flag) (spec, text string) {
	one := pflag.NewFlagSet("", pflag.ContinueOnError)
	one.AddFlag(f)
	line := strings.TrimRight(flagUsages(one), "\n")
	line = strings.TrimLeft(line, " ")
	spec, text, _ = strings.Cut(line, "  ")
	// pflag indents a description's later lines to its column.
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return spec, strings.Join(lines, "\n")
}
