package gtraceroute

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// TestSocketOptions: -d, -r and --fwmark set SO_DEBUG, SO_DONTROUTE and
// SO_MARK on the probe socket, as traceroute sets them; --sport fixes the
// source port and implies -N 1.
func TestSocketOptions(t *testing.T) {
	f, done, _ := parseFlags([]string{"-d", "-r", "--fwmark", "7", "--sport", "40000", "-n", "127.0.0.1"}, io.Discard, io.Discard)
	if done {
		t.Fatal("flags refused")
	}
	c, err := newConfig(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if c.probe.sport != 40000 || c.trace.parallel != 1 {
		t.Errorf("--sport 40000: sport %d, parallel %d; want 40000, 1", c.probe.sport, c.trace.parallel)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := c.probe.control(fd); errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		if !strings.HasPrefix(sysError(err), "setsockopt SO_") {
			t.Errorf("refusal %q, want traceroute's \"setsockopt SO_...: ...\"", sysError(err))
		}
		t.Skipf("SO_DEBUG and SO_MARK need CAP_NET_ADMIN: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	dbg, _ := sockopt.Debug(fd)
	dr, _ := sockopt.DontRoute(fd)
	mark, _ := sockopt.Mark(fd)
	if !dbg || !dr || mark != 7 {
		t.Errorf("SO_DEBUG %v, SO_DONTROUTE %v, SO_MARK %d; want true, true, 7", dbg, dr, mark)
	}
}

// TestSocketOptionsLoopback traces loopback with every method's socket
// carrying the options: each method takes them.
func TestSocketOptionsLoopback(t *testing.T) {
	for _, method := range []string{"-U", "-I", "-T"} {
		t.Run(method, func(t *testing.T) {
			var out, errOut strings.Builder
			code := Run(context.Background(), []string{method, "-d", "-r", "--fwmark", "7", "-n", "-q", "1", "-w", "1", "127.0.0.1"}, nil, &out, &errOut)
			if code != 0 {
				if strings.Contains(errOut.String(), "CAP_NET_RAW") || strings.Contains(errOut.String(), "setsockopt SO_") {
					t.Skipf("not privileged: %s", errOut.String())
				}
				t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), " 1  127.0.0.1  ") {
				t.Errorf("no answer from loopback:\n%s", out.String())
			}
		})
	}
}

// TestMethodNames: traceroute's module names and shortcuts, the last
// given winning, and its refusal of a name it does not know.
func TestMethodNames(t *testing.T) {
	tests := []struct {
		args []string
		want string
		err  string
	}{
		{nil, "default", ""},
		{[]string{"-UL"}, "udplite", ""},
		{[]string{"-U"}, "udp", ""},
		{[]string{"-I", "-T"}, "tcp", ""},
		{[]string{"-T", "-I"}, "icmp", ""},
		{[]string{"-D"}, "dccp", ""},
		{[]string{"-P", "17"}, "raw", ""},
		{[]string{"-P", "17", "-M", "tcpconn"}, "tcpconn", ""},
		{[]string{"-M", "default"}, "default", ""},
		{[]string{"-M", "udp"}, "udp", ""},
		{[]string{"-M", "tcp", "-I"}, "icmp", ""},
		{[]string{"-M", "udplite"}, "udplite", ""},
		{[]string{"-M", "tcpconn"}, "tcpconn", ""},
		{[]string{"-M", "bogus"}, "", "Unknown traceroute module bogus"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"args"}, tt.args...), " "), func(t *testing.T) {
			f, done, _ := parseFlags(append(tt.args, "h"), io.Discard, io.Discard)
			if done {
				t.Fatal("refused")
			}
			got, err := f.method()
			if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
				t.Errorf("method() = %q, %v; want %q, %q", got, err, tt.want, tt.err)
			}
		})
	}
}
