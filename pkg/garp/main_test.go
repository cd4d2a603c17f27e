package garp

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run garp as a command.
func TestMain(m *testing.M) { clitest.Main(m, "garp", Run) }

// TestScripts runs testdata/script: what garp says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
