package gping

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gping as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gping", Run) }

// TestScripts runs testdata/script: what gping says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
