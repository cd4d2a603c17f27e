// Package cli holds the conventions every gnetutils tool keeps: POSIX flags
// through pflag, --help/--version/--json, `<tool>: msg` errors, output that is
// flushed line by line, NDJSON events, and a context cancelled by SIGINT/SIGTERM
// so a tool can still print its summary.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// Version and CommitDate are set at build time with -ldflags "-X
// gnetutils/pkg/cli.Version=... -X gnetutils/pkg/cli.CommitDate=..." (the
// Makefile gives `git describe` and the commit's date, YYYY-MM-DD).
var (
	Version    = "dev"
	CommitDate = ""
)

// VersionLine is what --version prints: the tool, the version, the commit
// date and the Go release it was built with, on one line, so a bug report
// that quotes it says which source and which compiler.
func VersionLine(tool string) string {
	date := CommitDate
	if date == "" {
		date = vcsDate()
	}
	return fmt.Sprintf("%s (gnetutils) %s %s %s", tool, Version, date, runtime.Version())
}

// vcsDate is the commit date the go command stamped into the binary (a
// build without the Makefile's -ldflags, such as go install), or "unknown".
func vcsDate() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.time" && len(s.Value) >= len("2006-01-02") {
				return s.Value[:len("2006-01-02")]
			}
		}
	}
	return "unknown"
}

// Exit codes shared by most tools. A tool whose classic peer uses other codes
// (dig: 1 for usage, 9 for no reply) defines its own next to its Run.
const (
	ExitOK    = 0
	ExitFail  = 1 // the job ran but did not succeed (no reply, target unreachable)
	ExitUsage = 2 // bad flags, bad input, or an error before the job could run
)

// Command describes one tool for its usage text.
type Command struct {
	Name     string // binary name, e.g. "gping"
	Synopsis string // one line after "usage: <name> "
	Summary  string // what the tool is, a few lines
	Extra    string // printed after the flag list (examples, notes)
	// BadValue, where set, words a flag value that does not parse the way
	// the classic tool does, with its exit status (ping: "invalid
	// argument: 'abc'", 1). ok false keeps the suite's usual message.
	BadValue func(flag *pflag.Flag, value string) (msg string, code int, ok bool)
	// Subcommands are the words a tool takes first to choose what it
	// does (gtfo serve|get|compare); each parses its own flag set, which
	// Describe collects for the man page and the shell completions.
	Subcommands []string
	// Words are what the shell completes where an operand goes, beside
	// host names (gdig's +options and query types).
	Words []string
}

// Common flags every tool has.
type Common struct {
	JSON    bool
	help    bool
	version bool
}

// NewFlagSet returns a pflag set in the suite's style: errors are returned,
// not printed by pflag, so the tool decides on the message and the exit code;
// flags may follow positional arguments (interspersed), as GNU tools allow.
func (c Command) NewFlagSet(common *Common) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.SetInterspersed(true)
	if common != nil {
		fs.BoolVarP(&common.help, "help", "h", false, "print this help and exit")
		// -V as iputils and traceroute spell it; no tool uses the letter
		// for anything else.
		fs.BoolVarP(&common.version, "version", "V", false, "print the version and exit")
		fs.BoolVar(&common.JSON, "json", false, "print one JSON object per line (NDJSON)")
	}
	return fs
}

// Usage writes the usage text: synopsis, summary, flags, extra.
func (c Command) Usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "usage: %s %s\n", c.Name, c.Synopsis)
	if c.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.Summary, "\n"))
	}
	if fs != nil {
		fmt.Fprintf(w, "\noptions:\n%s", flagUsages(fs))
	}
	if c.Extra != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.Extra, "\n"))
	}
}

// flagUsages lists the flags as pflag does, except that a bool flag shows
// as --json, as in every POSIX tool's help, not as pflag's
// --json[=true|false]: on the command line it takes no value.
func flagUsages(fs *pflag.FlagSet) string {
	shown := pflag.NewFlagSet(fs.Name(), pflag.ContinueOnError)
	shown.SortFlags = fs.SortFlags
	fs.VisitAll(func(f *pflag.Flag) {
		g := *f
		if f.Value.Type() == "bool" {
			g.Value = plainValue{f.Value}
		}
		shown.AddFlag(&g)
	})
	return shown.FlagUsages()
}

// plainValue hides a bool value's IsBoolFlag, which is what makes pflag
// write [=true|false] after the flag's name.
type plainValue struct{ pflag.Value }

// Parse parses args. On --help it prints usage to stdout (exit 0), on
// --version the version (exit 0); on a bad flag it prints `<tool>: <error>`
// and a hint to stderr and returns usageCode. done reports that the tool
// must return code now.
func (c Command) Parse(fs *pflag.FlagSet, common *Common, args []string, stdout, stderr io.Writer, usageCode int) (done bool, code int) {
	if d, ok := stdout.(*describer); ok {
		d.spec = &Spec{Command: c, Flags: fs}
		return true, ExitOK
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			c.Usage(stdout, fs)
			return true, ExitOK
		}
		var bad *pflag.InvalidValueError
		if c.BadValue != nil && errors.As(err, &bad) {
			if msg, code, ok := c.BadValue(bad.GetFlag(), bad.GetValue()); ok {
				Errorf(stderr, c.Name, "%s", msg)
				return true, code
			}
		}
		Errorf(stderr, c.Name, "%v", err)
		fmt.Fprintf(stderr, "Try '%s --help' for more information.\n", c.Name)
		return true, usageCode
	}
	if common != nil && common.help {
		c.Usage(stdout, fs)
		return true, ExitOK
	}
	if common != nil && common.version {
		fmt.Fprintln(stdout, VersionLine(c.Name))
		return true, ExitOK
	}
	return false, 0
}

// Errorf prints `<tool>: <message>` on one line to w.
func Errorf(w io.Writer, tool, format string, args ...any) {
	msg := strings.TrimRight(fmt.Sprintf(format, args...), "\n")
	msg = strings.ReplaceAll(msg, "\n", " ")
	fmt.Fprintf(w, "%s: %s\n", tool, msg)
}

// SignalContext returns a context cancelled on the first SIGINT or SIGTERM,
// so a tool can stop its job and still print its summary (as ping does).
// The handler is released before the context is cancelled, so once the
// tool sees ctx.Done a second signal has its default effect and ends the
// process at once, as users expect of ping and of every server. stop
// releases the handler without a signal.
func SignalContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
		}
		signal.Stop(sigs)
		cancel()
	}()
	return ctx, cancel
}

// Main is what cmd/<tool>/main.go calls: it runs the tool with the process's
// arguments and standard streams under SignalContext, and exits with its code.
// `<tool> --completion SHELL` prints the shell's completion script instead.
func Main(run RunFunc) {
	if len(os.Args) > 1 && os.Args[1] == "--completion" {
		os.Exit(completionMain(run, os.Args[2:]))
	}
	ctx, stop := SignalContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// ExitBadNumber is the status iputils' tools (ping, arping) end with when a
// number option cannot be read or is out of range; their other argument
// errors are 2.
const ExitBadNumber = 1

// BadNumber is iputils' refusal of a number option, worded as they word it;
// a tool that meets one exits with ExitBadNumber.
type BadNumber string

func (e BadNumber) Error() string { return string(e) }

// OutOfRange is iputils' words for a number outside lo..hi.
func OutOfRange(value any, lo, hi int64) BadNumber {
	return BadNumber(fmt.Sprintf("invalid argument: '%v': out of range: %d <= value <= %d", value, lo, hi))
}

// IputilsNumbers is a Command.BadValue for the named flags that iputils
// reads as numbers: "invalid argument: 'abc'" and ExitBadNumber.
func IputilsNumbers(names ...string) func(f *pflag.Flag, value string) (string, int, bool) {
	return func(f *pflag.Flag, value string) (string, int, bool) {
		for _, n := range names {
			if f.Name == n {
				return fmt.Sprintf("invalid argument: '%s'", value), ExitBadNumber, true
			}
		}
		return "", 0, false
	}
}
