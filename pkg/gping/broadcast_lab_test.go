package gping

import (
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// broadcastSegment is a segment of n hosts where all but the first answer
// pings to the broadcast address, and that address.
func broadcastSegment(t *testing.T, n int) (*netlab.Segment, string) {
	t.Helper()
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: n})
	for _, h := range s.Hosts[1:] {
		if err := h.Sysctl("net.ipv4.icmp_echo_ignore_broadcasts", "0"); err != nil {
			t.Fatal(err)
		}
	}
	return s, "198.19.0.255"
}

// TestLabBroadcastSideBySide: ping's refusal of a broadcast address
// without -b, and its warning and replies with -b, word for word.
func TestLabBroadcastSideBySide(t *testing.T) {
	netlab.Need(t, "ping")
	s, bcast := broadcastSegment(t, 2) // one host answers: the order is fixed
	for _, args := range [][]string{
		{"-c", "2", "-i", "0.3", bcast},
		{"-b", "-c", "2", "-i", "0.3", bcast},
		{"-b", "-c", "1", s.Addr4(1)},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, wantCode := s.Hosts[0].CombinedOutput(t, "ping", args...)
			stdout, stderr, code := s.Hosts[0].RunTool(t, Run, args...)
			// ping writes its warning before its header, so stderr first.
			if got := normalize(stderr + stdout); got != normalize(want) || code != wantCode {
				t.Errorf("gping %v: exit %d\n%s\nping: exit %d\n%s", args, code, got, wantCode, normalize(want))
			}
		})
	}
}

// TestLabBroadcastEveryHost: with -b every host's answer is printed from
// its own address; the duplicates are counted, marked only with -v.
func TestLabBroadcastEveryHost(t *testing.T) {
	s, bcast := broadcastSegment(t, 3)
	for _, verbose := range []bool{false, true} {
		args := []string{"-b", "-c", "3", "-i", "0.3", "-w", "2", bcast}
		if verbose {
			args = append([]string{"-v"}, args...)
		}
		stdout, stderr, code := s.Hosts[0].RunTool(t, Run, args...)
		ok := code == 0 && strings.Contains(stdout, "bytes from "+s.Addr4(1)+":") &&
			strings.Contains(stdout, "bytes from "+s.Addr4(2)+":") && strings.Contains(stdout, " duplicates,") &&
			strings.Contains(stdout, "(DUP!)") == verbose
		if !ok {
			t.Errorf("gping %v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
}
