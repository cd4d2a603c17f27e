package gdig

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain points the built-in root hints at a loopback port nothing
// listens on, for every test of this package and every gdig its scripts
// run: a test that forgets --root-hints fails on loopback instead of
// asking the real root servers, with -6 too. It lets testdata/script run
// gdig as a command.
func TestMain(m *testing.M) {
	builtinRoots = []string{"127.0.0.254", "::1"}
	clitest.Main(m, "gdig", Run)
}

// TestScripts runs testdata/script: what gdig says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
