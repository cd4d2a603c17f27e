package sockopt

import (
	"os"
	"testing"
)

// TestDropCapabilities: as root it keeps every capability (the tests run
// the tools in their own process and must keep building networks);
// otherwise it leaves none, or fails loudly where it cannot (cgo).
func TestDropCapabilities(t *testing.T) {
	before := holdsCapabilities()
	err := DropCapabilities()
	switch {
	case os.Getuid() == 0 && (err != nil || holdsCapabilities() != before):
		t.Errorf("as root: %v, capabilities held %v, before %v", err, holdsCapabilities(), before)
	case os.Getuid() != 0 && err == nil && holdsCapabilities():
		t.Errorf("capabilities still held after the drop")
	}
}
