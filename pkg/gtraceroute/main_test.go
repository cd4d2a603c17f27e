package gtraceroute

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestMain lets testdata/script run gtraceroute as a command.
func TestMain(m *testing.M) { clitest.Main(m, "gtraceroute", Run) }

// TestScripts runs testdata/script: what gtraceroute says to bad arguments and
// --help, word for word, and its exit status.
func TestScripts(t *testing.T) { clitest.Scripts(t) }
