package sockopt

import (
	"errors"
	"net/netip"
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

// TestLooseSourceRoute reads the IPv4 LSRR option back from the socket:
// traceroute's bytes (NOP, 131, length, pointer 4, gateways, destination);
// the IPv6 type 0 header is refused with EINVAL, as the kernel refuses it.
func TestLooseSourceRoute(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	gw, dst := netip.MustParseAddr("198.18.3.1"), netip.MustParseAddr("198.18.4.1")
	if err := SetLooseSourceRoute(fd, []netip.Addr{gw}, dst); err != nil {
		t.Fatal(err)
	}
	got, err := unix.GetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS)
	want := string([]byte{1, 131, 11, 4, 198, 18, 3, 1, 198, 18, 4, 1})
	if err != nil || got != want || LooseSourceRouteLen(1, false) != len(want) {
		t.Errorf("IP_OPTIONS = % x, %v; want % x", got, err, want)
	}
	fd6, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(fd6)
	if err := SetLooseSourceRoute(fd6, []netip.Addr{netip.MustParseAddr("fd00:0:0:3::1")}, netip.MustParseAddr("fd00:0:0:4::1")); !errors.Is(err, unix.EINVAL) {
		t.Errorf("IPV6_RTHDR type 0: %v, want EINVAL", err)
	}
}
