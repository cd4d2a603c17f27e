package gping

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/sockopt"
)

// openWith parses args as gping's command line, opens the socket towards
// the host it names (loopback) and returns it, as Run would have it.
func openWith(t *testing.T, args ...string) *icmpx.Conn {
	t.Helper()
	o, changed, done, code := parseFlags(args, io.Discard, io.Discard)
	if done {
		t.Fatalf("%v: parse ended with %d", args, code)
	}
	cfg, err := o.check(changed)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	targets, err := openTargets(context.Background(), o.hosts, o.family.Family(), cfg, nil)
	for _, tg := range targets {
		t.Cleanup(func() { tg.conn.Close() })
	}
	// No ICMP socket allowed, or no CAP_NET_ADMIN for -d and -m.
	if err != nil && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || strings.Contains(err.Error(), "Operation not permitted")) {
		t.Skipf("%v: %v", args, err)
	}
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return targets[0].conn
}

// TestSocketOptions checks, with getsockopt on the socket gping opened,
// that each of ping's socket flags set what ping sets: the effects of
// -d and -r cannot be seen on the wire.
func TestSocketOptions(t *testing.T) {
	type read func(fd int, v6 bool) (any, error)
	b := func(v bool, err error) (any, error) { return v, err }
	tests := []struct {
		name string
		args []string
		get  read
		want any
	}{
		{"-d SO_DEBUG", []string{"-d"}, func(fd int, _ bool) (any, error) { return b(sockopt.Debug(fd)) }, true},
		{"-r SO_DONTROUTE", []string{"-r"}, func(fd int, _ bool) (any, error) { return b(sockopt.DontRoute(fd)) }, true},
		{"-L multicast loop off", []string{"-L"}, func(fd int, v6 bool) (any, error) { return b(sockopt.MulticastLoop(fd, v6)) }, false},
		{"-m SO_MARK", []string{"-m", "42"}, func(fd int, _ bool) (any, error) { m, err := sockopt.Mark(fd); return m, err }, uint32(42)},
		{"-S SO_SNDBUF", []string{"-S", "8192"}, func(fd int, _ bool) (any, error) { n, err := sockopt.SendBuffer(fd); return n, err }, 2 * 8192},
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		for _, tc := range tests {
			t.Run(host+" "+tc.name, func(t *testing.T) {
				conn := openWith(t, append(tc.args, host)...)
				var got any
				err := conn.Control(func(fd int) (err error) {
					got, err = tc.get(fd, host == "::1")
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Errorf("%v: read back %v, want %v", tc.args, got, tc.want)
				}
			})
		}
	}
}
