package clitest

import (
	"errors"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"gnetutils/pkg/cli"
)

// Main is the TestMain of a tool's package: it runs the package's tests,
// and lets its scripts call the tool by its name. The script's command is
// the test binary run again, which calls run through cli.Main, as
// cmd/<tool>/main.go does.
func Main(m *testing.M, tool string, run RunFunc) {
	testscript.Main(m, map[string]func(){tool: func() { cli.Main(run) }})
}

// Scripts runs the package's testdata/script/*.txtar, a subtest each. A
// script is testscript's language (github.com/rogpeppe/go-internal/testscript)
// plus one command, exits:
//
//	exits 2 gping --bogus 127.0.0.1
//	cmp stderr bogus.stderr
//	! stdout .
//
// runs the tool as exec would and fails the script unless its exit status
// is 2; cmp then holds what it printed to the text of a file of the
// script. With -update, cmp rewrites those files instead.
func Scripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *Update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"exits": exits},
	})
}

// exits STATUS COMMAND [ARGS...] runs the command and checks its exit
// status: testscript's exec only tells zero from non-zero.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits STATUS COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: status %q is not a number", args[0])
	}
	got := 0
	var exit *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &exit) {
		got = exit.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}
