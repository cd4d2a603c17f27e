package gtfo

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gtfo as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gtfo", Run) }

// TestScripts runs testdata/script: what gtfo says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
