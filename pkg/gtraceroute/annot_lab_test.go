package gtraceroute

import (
	"fmt"
	"strings"
	"testing"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/netlab"
)

// TestLabUnreachableMarks: a router that rejects probes with each ICMP and
// ICMPv6 unreachable code it can send ends the trace with traceroute's own
// mark, for gtraceroute as for traceroute on the same lab, and that mark is
// icmpkind.Mark's. UDP probes are told apart by port, TCP probes too, ICMP
// echo probes by their length.
func TestLabUnreachableMarks(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	type rejection struct {
		v6     bool
		code   uint8
		method string // "-U", "-T" or "-I"
	}
	var cases []rejection
	for _, code := range []uint8{0, 1, 2, 6, 7, 9, 10, 11, 12, 13, 14, 15} {
		cases = append(cases, rejection{false, code, "-U"})
	}
	// The errnos codes 5 and 8 leave on a UDP socket (EOPNOTSUPP, ENONET)
	// can fail udpprobe's next send: TCP probes carry them.
	cases = append(cases, rejection{false, 5, "-T"}, rejection{false, 8, "-T"})
	for _, code := range []uint8{0, 1, 3, 5, 6} {
		cases = append(cases, rejection{true, code, "-U"})
	}
	cases = append(cases, rejection{false, 13, "-T"}, rejection{true, 3, "-T"}, rejection{false, 1, "-I"}, rejection{true, 1, "-I"})

	// r2 (the second router) rejects what it would forward to h2.
	var rules strings.Builder
	args := make([][]string, len(cases))
	for i, rc := range cases {
		port, length := 41000+i, 100+i
		dst, reject := c.H2Addr4(), fmt.Sprintf("reject with icmp type %d", rc.code)
		if rc.v6 {
			dst, reject = c.H2Addr6(), fmt.Sprintf("reject with icmpv6 type %d", rc.code)
		}
		switch rc.method {
		case "-U":
			fmt.Fprintf(&rules, "\t\tudp dport %d %s\n", port, reject)
			args[i] = []string{"-n", "-U", "-p", fmt.Sprint(port), dst}
		case "-T":
			fmt.Fprintf(&rules, "\t\ttcp dport %d %s\n", port, reject)
			args[i] = []string{"-n", "-T", "-p", fmt.Sprint(port), dst}
		case "-I":
			echo := "icmp type echo-request"
			if rc.v6 {
				echo = "icmpv6 type echo-request"
			}
			fmt.Fprintf(&rules, "\t\t%s meta length %d %s\n", echo, length, reject)
			args[i] = []string{"-n", "-I", dst, fmt.Sprint(length)}
		}
	}
	if err := c.Routers[1].Nft("table inet marks {\n\tchain forwarding {\n\t\ttype filter hook forward priority 0; policy accept;\n" + rules.String() + "\t}\n}\n"); err != nil {
		t.Fatal(err)
	}
	for i, rc := range cases {
		typ := uint8(3)
		if rc.v6 {
			typ = 1
		}
		mark := icmpkind.Mark(rc.v6, typ, rc.code, 0)
		t.Run(fmt.Sprintf("%s v6=%v code %d %s", rc.method, rc.v6, rc.code, mark), func(t *testing.T) {
			want, _ := traceroute(t, c.H1, args[i]...)
			got, errOut, code, _ := gtraceroute(t, c.H1, args[i]...)
			h := hops(got)
			last := "3 " + c.RouterAddr4(2) + " " + mark
			if rc.v6 {
				last = "3 " + c.RouterAddr6(2) + " " + mark
			}
			if code != 0 || strings.Join(h, "|") != strings.Join(hops(want), "|") || len(h) != 3 || h[2] != last {
				t.Errorf("%v: exit %d %s, want last hop %q\n--- gtraceroute:\n%s--- traceroute:\n%s", args[i], code, errOut, last, got, want)
			}
		})
	}
}
