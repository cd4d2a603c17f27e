package gpmtud

import (
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// TestEventFields holds every --json event to the suite's vocabulary.
func TestEventFields(t *testing.T) {
	clitest.CheckEvents(t, probeEvent{}, hopEvent{}, summaryEvent{}, checkEvent{})
}
