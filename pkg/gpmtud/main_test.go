package gpmtud

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gpmtud as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gpmtud", Run) }

// TestScripts runs testdata/script: what gpmtud says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
