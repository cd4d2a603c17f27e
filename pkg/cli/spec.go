package cli

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/pflag"
)

// RunFunc is a tool's Run, as cmd/<tool>/main.go hands it to Main.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// Spec is a tool's command line as its own flag set declares it: the
// source the man pages' OPTIONS and the shell completions are generated
// from, so neither can say something --help does not.
type Spec struct {
	Command Command
	Flags   *pflag.FlagSet
	Subs    []Spec // one per Command.Subcommands entry, in that order
	Word    string // a subcommand's word (serve); "" for the tool itself
}

// describer is the stdout Describe hands a tool: Command.Parse, seeing it,
// records the command and its flag set and ends the run as --help would,
// before anything is parsed or done. It travels with the run, so tests
// running tools side by side cannot capture each other's flags.
type describer struct {
	io.Writer
	spec *Spec
}

// Describe runs run in describe mode and returns the tool's Spec, with a
// Spec for each subcommand (run again with the subcommand's name).
func Describe(run RunFunc) (Spec, error) {
	top, err := describe(run, nil)
	if err != nil {
		return Spec{}, err
	}
	for _, name := range top.Command.Subcommands {
		sub, err := describe(run, []string{name})
		if err != nil {
			return Spec{}, fmt.Errorf("%s %s: %w", top.Command.Name, name, err)
		}
		sub.Word = name
		top.Subs = append(top.Subs, sub)
	}
	return top, nil
}

func describe(run RunFunc, args []string) (Spec, error) {
	d := &describer{Writer: io.Discard}
	// Cancelled, so that a tool that went on past Parse would stop at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run(ctx, args, strings.NewReader(""), d, io.Discard)
	if d.spec == nil {
		return Spec{}, fmt.Errorf("the tool did not declare its flags through cli.Command.Parse")
	}
	return *d.spec, nil
}

// Annotation keys a flag may carry for completion.
const (
	valuesKey = "gnetutils_values"
)

// Values gives the flag name of fs a fixed set of values, which the shell
// completions offer (gping's -M do|dont|want|probe).
func Values(fs *pflag.FlagSet, name string, values ...string) {
	if err := fs.SetAnnotation(name, valuesKey, values); err != nil {
		panic(err) // a flag that does not exist: a programming error
	}
}

// valueKind is what a flag's value is, for completion.
type valueKind int

const (
	noValue valueKind = iota // a bool flag
	fixed                    // one of Values
	iface                    // a network interface's name
	file                     // a path: its help says "file"
	other                    // a number, an address: nothing to offer
)

// kind says what f's value is. A flag named "interface" takes an
// interface in every tool (gping -I, gtraceroute -i, ...).
func kind(f *pflag.Flag) valueKind {
	switch {
	case f.Value.Type() == "bool":
		return noValue
	case len(f.Annotations[valuesKey]) > 0:
		return fixed
	case f.Name == "interface":
		return iface
	case strings.HasPrefix(f.Value.Type(), "string") && fileWord.MatchString(f.Usage):
		return file
	}
	return other
}

// fileWord finds a flag whose help names a file (gdig --root-hints,
// garp --pcap): the help is what tells a path from an address.
var fileWord = regexp.MustCompile(`\b(file|FILE)\b`)

// flags lists fs's visible flags in declaration order.
func flags(fs *pflag.FlagSet) []*pflag.Flag {
	var out []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, f)
		}
	})
	return out
}
