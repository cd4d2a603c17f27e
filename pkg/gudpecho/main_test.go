package gudpecho

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gudpecho as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gudpecho", Run) }

// TestScripts runs testdata/script: what gudpecho says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
