package gdig

import (
	"os"
	"testing"
)

// TestMain points the built-in root hints at a loopback port nothing
// listens on, for every test of this package: a test that forgets
// --root-hints fails on loopback instead of asking the real root servers,
// with -6 too.
func TestMain(m *testing.M) {
	builtinRoots = []string{"127.0.0.254", "::1"}
	os.Exit(m.Run())
}
