package gtcpecho

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gtcpecho as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gtcpecho", Run) }

// TestScripts runs testdata/script: what gtcpecho says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
