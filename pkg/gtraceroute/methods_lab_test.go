package gtraceroute

import (
	"net"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabMethods: traceroute's other methods and -O options trace as
// traceroute's do on the same lab: the same text, times aside (hop
// addresses, marks, -O info's flags, the header's packet length), over
// IPv4 and IPv6.
func TestLabMethods(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	methods := [][]string{
		{"-M", "tcpconn"}, {"-M", "tcpconn", "-p", "7"}, {"-P", "253"}, {"-M", "raw"}, {"-M", "raw", "-p", "99"}, {"-P", "253", "-q", "1", "--", "120"},
		{"-T", "-O", "ack"}, {"-T", "-O", "syn,ack"}, {"-T", "-O", "fin"}, {"-T", "-O", "info"}, {"-T", "-O", "ecn,sack,info"},
		{"-T", "-O", "mss=1000,timestamps"}, {"-T", "-O", "window_scaling", "-O", "flags=0x12"}, {"-T", "-O", "reuse,sysctl"},
		{"-UL", "-O", "coverage=12"}, {"-I", "-O", "raw"},
	}
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, m := range methods {
			args := append(append([]string{"-n"}, m...), dst)
			if opts, plen, ok := strings.Cut(strings.Join(m, " "), " -- "); ok {
				args = append(append([]string{"-n"}, strings.Fields(opts)...), dst, plen) // packetlen
			}
			sameAsTraceroute(t, c.H1, args...)
		}
	}
}

// sameAsTraceroute runs traceroute and gtraceroute with args in ns, and
// fails t unless gtraceroute exits 0 and prints traceroute's text, times
// aside.
func sameAsTraceroute(t *testing.T, ns *netlab.NS, args ...string) {
	t.Helper()
	want, _ := traceroute(t, ns, args...)
	got, errOut, code, _ := gtraceroute(t, ns, args...)
	if code != 0 || normalize(got) != normalize(want) {
		t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", args, code, errOut, got, want)
	}
}

// TestLabListeningPort: to a port that listens, -O info prints the
// SYN-ACK's flags and tcpconn connects, as traceroute's do.
func TestLabListeningPort(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	var l net.Listener
	if err := c.H2.Do(func() (err error) { l, err = net.Listen("tcp", ":8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, m := range [][]string{{"-T", "-O", "info"}, {"-T", "-O", "syn,ack,info"}, {"-M", "tcpconn"}} {
			args := append(append([]string{"-n", "-p", "8080"}, m...), dst)
			sameAsTraceroute(t, c.H1, args...)
		}
	}
}

// TestLabDCCP: -D traces with DCCP-Requests as traceroute's: the same
// text where the kernel lets traceroute run its DCCP method; where it has
// no DCCP (Linux 6.16 on), traceroute cannot ("socket: Socket type not
// supported") and ours still traces, each router's address and the
// destination's protocol unreachable (!P, IPv6's parameter problem
// !<4-1>), or its Reset.
func TestLabDCCP(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		args := []string{"-n", "-D", dst}
		got, errOut, code, _ := gtraceroute(t, c.H1, args...)
		want, status := c.H1.CombinedOutput(t, "traceroute", args...)
		switch {
		case status == 0:
			if code != 0 || normalize(got) != normalize(want) {
				t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", args, code, errOut, got, want)
			}
		case !strings.Contains(want, "Socket type not supported"):
			t.Fatalf("traceroute %v: exit %d\n%s", args, status, want)
		default:
			t.Logf("traceroute -D cannot run here (%s); ours alone", strings.TrimSpace(want))
			mark := "!P"
			if strings.Contains(dst, ":") {
				mark = "!<4-1>"
			}
			wantHops := []string{"1 " + c.RouterAddr4(1), "2 " + c.RouterAddr4(2), "3 " + c.RouterAddr4(3), "4 " + dst + " " + mark}
			if dst == c.H2Addr6() {
				wantHops[0], wantHops[1], wantHops[2] = "1 "+c.RouterAddr6(1), "2 "+c.RouterAddr6(2), "3 "+c.RouterAddr6(3)
			}
			header := strings.SplitN(want, "\n", 2)[0] // traceroute printed its first line
			if code != 0 || strings.Join(hops(got), "|") != strings.Join(wantHops, "|") || !strings.HasPrefix(got, header+"\n") {
				t.Errorf("%v: exit %d %s\n%s--- want %q, hops %q", args, code, errOut, got, header, wantHops)
			}
		}
	}
}

// TestLabTCPConnUnprivileged: -M tcpconn needs no privilege (the ICMP
// errors come through each socket's error queue), where traceroute's
// reads a raw socket: as user nobody, the hops traceroute's tcpconn
// finds as root.
func TestLabTCPConnUnprivileged(t *testing.T) {
	netlab.Need(t, "traceroute", "setpriv")
	c := quietChain(t, nil)
	bin := netlab.Binary(t, "gtraceroute")
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		want, _ := traceroute(t, c.H1, "-n", "-M", "tcpconn", dst)
		got, status := c.H1.CombinedOutput(t, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", bin, "-n", "-M", "tcpconn", dst)
		if status != 0 || normalize(got) != normalize(want) {
			t.Errorf("%s as nobody: exit %d\n%s--- traceroute as root:\n%s", dst, status, got, want)
		}
	}
}
