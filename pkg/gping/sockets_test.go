package gping

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

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
		{"-b SO_BROADCAST", []string{"-b"}, func(fd int, _ bool) (any, error) { return b(sockopt.Broadcast(fd)) }, true},
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

// TestIdentAndConnect: -e gives a raw socket's probes the identifier
// (IPv6 always, IPv4 with -e 0 too, go raw, as ping); -C connects the
// socket to the host.
func TestIdentAndConnect(t *testing.T) {
	for _, tc := range []struct {
		host  string
		ident int
		raw   bool // what -e alone asks for
	}{{"127.0.0.1", 1234, false}, {"127.0.0.1", 0, true}, {"::1", 7, true}} {
		t.Run(fmt.Sprintf("-e %d %s", tc.ident, tc.host), func(t *testing.T) {
			conn := openWith(t, "-e", fmt.Sprint(tc.ident), tc.host)
			if tc.raw && !conn.Raw() {
				t.Errorf("-e %d towards %s: a datagram socket, want raw", tc.ident, tc.host)
			}
			if conn.Raw() && conn.ID() != uint16(tc.ident) {
				t.Errorf("-e %d: identifier %d", tc.ident, conn.ID())
			}
		})
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run("-C "+host, func(t *testing.T) {
			conn := openWith(t, "-C", host)
			// getpeername says ENOTCONN for every raw socket; write(2),
			// which names no address, works on a connected one only.
			echo := []byte{8, 0, 0, 0, 0, 0, 0, 0}
			if host == "::1" {
				echo[0] = 128
			}
			err := conn.Control(func(fd int) error { _, err := unix.Write(fd, echo); return err })
			if err != nil {
				t.Errorf("write on the socket -C connected: %v", err)
			}
		})
	}
}

// TestVerboseBesidePing runs ping -v and gping -v with the same identifier
// on loopback and expects the same stdout, times aside.
func TestVerboseBesidePing(t *testing.T) {
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("no ping here")
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			args := []string{"-v", "-U", "-B", "-e", "4321", "-c", "2", "-i", "0.2", host}
			want, err := exec.Command("ping", args...).Output()
			if err != nil {
				t.Skipf("ping %v: %v", args, err)
			}
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), args, nil, &stdout, &stderr)
			if code != 0 {
				t.Skipf("gping %v: exit %d: %s", args, code, stderr.String())
			}
			if g, w := normalize(stdout.String()), normalize(string(want)); g != w {
				t.Errorf("gping %v:\n%s\nping:\n%s", args, g, w)
			}
		})
	}
}

// TestStickySource: -B binds the socket to the source the route gives.
func TestStickySource(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			conn := openWith(t, "-B", host)
			var local unix.Sockaddr
			err := conn.Control(func(fd int) (err error) { local, err = unix.Getsockname(fd); return err })
			if err != nil {
				t.Fatal(err)
			}
			if got := sockopt.AddrPortOf(local).Addr(); got.String() != host {
				t.Errorf("-B: bound to %v, want %s", got, host)
			}
		})
	}
}

// TestUserTime: -U times a reply as read, from when it was sent.
func TestUserTime(t *testing.T) {
	sent := time.Unix(100, 0)
	ev := icmpx.Event{Sent: sent, At: sent.Add(time.Millisecond), RTT: time.Millisecond}
	userTime(&ev, sent.Add(3*time.Millisecond))
	if ev.RTT != 3*time.Millisecond || !ev.At.Equal(sent.Add(3*time.Millisecond)) {
		t.Errorf("userTime: RTT %v at %v", ev.RTT, ev.At)
	}
}

// TestFlowLabel: -F gets the flow label from the kernel for the socket,
// turns IPV6_FLOWINFO_SEND on and names the label in ping's header.
func TestFlowLabel(t *testing.T) {
	// The kernel holds a label a few seconds after its socket closes:
	// one of its own each run.
	label := uint32(time.Now().UnixNano()>>10)&0xffff | 0x10000
	conn := openWith(t, "-F", fmt.Sprint(label), "::1")
	if conn.FlowLabel() != label {
		t.Errorf("-F %d: label %#x", label, conn.FlowLabel())
	}
	var on bool
	err := conn.Control(func(fd int) (err error) { on, err = sockopt.FlowInfoSend(fd); return err })
	if err != nil || !on {
		t.Errorf("IPV6_FLOWINFO_SEND %v, %v", on, err)
	}
	want := fmt.Sprintf("PING ::1(::1) , flow 0x%05x, 56 data bytes", label)
	if got := header("::1", netip.MustParseAddr("::1"), netip.Addr{}, "", 56, nil, label, 0); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}
