package sockopt

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTraceOptions sets each of traceroute's socket options and reads it
// back from the kernel; SO_DEBUG and SO_MARK without CAP_NET_ADMIN must
// fail with the kernel's refusal, not silently.
func TestTraceOptions(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	privileged := func(err error) bool {
		return !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES)
	}
	t.Run("dontroute", func(t *testing.T) {
		if err := SetDontRoute(fd, true); err != nil {
			t.Fatal(err)
		}
		if on, err := DontRoute(fd); err != nil || !on {
			t.Errorf("SO_DONTROUTE = %v, %v; want true", on, err)
		}
	})
	t.Run("debug", func(t *testing.T) {
		err := SetDebug(fd, true)
		if !privileged(err) {
			t.Skipf("SO_DEBUG needs CAP_NET_ADMIN: %v", err)
		}
		if on, err2 := Debug(fd); err != nil || err2 != nil || !on {
			t.Errorf("SO_DEBUG = %v, %v, %v; want true", on, err, err2)
		}
	})
	t.Run("mark", func(t *testing.T) {
		err := SetMark(fd, 0xfeedf00d)
		if !privileged(err) {
			t.Skipf("SO_MARK needs CAP_NET_ADMIN: %v", err)
		}
		if m, err2 := Mark(fd); err != nil || err2 != nil || m != 0xfeedf00d {
			t.Errorf("SO_MARK = %#x, %v, %v; want 0xfeedf00d", m, err, err2)
		}
	})
}
