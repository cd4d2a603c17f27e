package garp

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli/clitest"
)

func TestFrameRoundTrip(t *testing.T) {
	mac, _ := net.ParseMAC("02:00:00:00:00:01")
	p := arpPacket{EthSrc: mac, EthDst: broadcastMAC, Op: layers.ARPRequest, SenderMAC: mac,
		SenderIP: netip.MustParseAddr("198.19.0.1"), TargetIP: netip.MustParseAddr("198.19.0.2")}
	b, err := buildARP(p)
	if err != nil || len(b) != minFrame {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	q, err := parseARP(b)
	if err != nil || q.SenderIP != p.SenderIP || q.TargetIP != p.TargetIP || q.SenderMAC.String() != mac.String() || q.Op != layers.ARPRequest || !bytes.Equal(q.TargetMAC, make([]byte, 6)) {
		t.Errorf("parsed %+v, %v", q, err)
	}
	for _, bad := range [][]byte{nil, b[:14], b[:20], append(append([]byte{}, b[:12]...), 0x08, 0x00)} {
		if _, err := parseARP(bad); err == nil {
			t.Errorf("accepted %x", bad)
		}
	}
}

func FuzzParseARP(f *testing.F) {
	mac, _ := net.ParseMAC("02:00:00:00:00:01")
	b, _ := buildARP(arpPacket{EthSrc: mac, EthDst: broadcastMAC, Op: layers.ARPReply, SenderMAC: mac,
		SenderIP: netip.MustParseAddr("10.0.0.1"), TargetIP: netip.MustParseAddr("10.0.0.2")})
	f.Add(b)
	f.Add(b[:30])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseARP(b)
		if err == nil && (!p.SenderIP.Is4() || len(p.SenderMAC) != 6) {
			t.Errorf("accepted a malformed frame as %+v", p)
		}
	})
}

// TestBadArgumentsBesideArping: for number options arping refuses before
// it opens a socket, garp says the same words with the same exit status.
func TestBadArgumentsBesideArping(t *testing.T) {
	var lists [][]string
	for _, args := range [][]string{
		{"-c", "abc"}, {"-c", "0"}, {"-c", "-1"}, {"-w", "abc"}, {"-w", "-1"}, {"-i", "abc"}, {"-i", "-1"},
	} {
		lists = append(lists, append(args, "127.0.0.1"))
	}
	clitest.SameRefusal(t, "arping", "garp", Run, lists)
}
