package cli

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestStrerror(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"errno", syscall.ENETUNREACH, "Network is unreachable"},
		{"wrapped errno", fmt.Errorf("sendto: %w", syscall.EHOSTUNREACH), "No route to host"},
		{"not an errno", errors.New("bad thing"), "bad thing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Strerror(tc.err); got != tc.want {
				t.Errorf("Strerror = %q, want %q", got, tc.want)
			}
		})
	}
}
