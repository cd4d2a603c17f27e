package gtraceroute

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabFlowLabel: with -l every probe of every method leaves h1 with
// that IPv6 flow label, as traceroute -l's do (captured on the wire), and
// the text is traceroute's, times aside. traceroute -D cannot run where
// the kernel has no DCCP: ours is checked alone there.
func TestLabFlowLabel(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	dst := netip.MustParseAddr(c.H2Addr6())
	const label = 0xbeef5
	for _, m := range [][]string{nil, {"-U"}, {"-UL"}, {"-I"}, {"-T"}, {"-M", "tcpconn"}, {"-P", "253"}, {"-D"}} {
		args := append(append([]string{"-n", "-q", "1", "-l", fmt.Sprint(label)}, m...), dst.String())
		var want string
		var status int
		classic := capturePackets(t, c.H1, func() { want, status = c.H1.CombinedOutput(t, "traceroute", args...) })
		var got, errOut string
		var code int
		ours := capturePackets(t, c.H1, func() { got, errOut, code, _ = gtraceroute(t, c.H1, args...) })
		if status == 0 {
			if labels := flowLabels(classic, dst); len(labels) != 1 || !labels[label] {
				t.Fatalf("%v: traceroute's probes carry the flow labels %v, want only %#x: the capture misses them", args, labels, label)
			}
			if normalize(got) != normalize(want) {
				t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", args, code, errOut, got, want)
			}
		} else if !strings.Contains(want, "Socket type not supported") {
			t.Fatalf("traceroute %v: exit %d\n%s", args, status, want)
		}
		if labels := flowLabels(ours, dst); code != 0 || len(labels) != 1 || !labels[label] {
			t.Errorf("%v: exit %d %s, our probes carry the flow labels %v, want only %#x\n%s", args, code, errOut, labels, label, got)
		}
	}
}

// flowLabels are the flow labels of the IPv6 packets to dst among pkts,
// and how many carried each.
func flowLabels(pkts [][]byte, dst netip.Addr) map[uint32]bool {
	labels := map[uint32]bool{}
	for _, b := range pkts {
		if len(b) >= 40 && b[0]>>4 == 6 && netip.AddrFrom16([16]byte(b[24:40])) == dst {
			labels[binary.BigEndian.Uint32(b)&0xfffff] = true
		}
	}
	return labels
}
