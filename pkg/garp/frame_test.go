package garp

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
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

// withSizes is frame b with the ARP header's hardware and protocol
// address sizes set to hw and prot.
func withSizes(b []byte, hw, prot byte) []byte {
	c := append([]byte(nil), b...)
	c[ethHeaderLen+4], c[ethHeaderLen+5] = hw, prot
	return c
}

// TestParseARPSizes: address sizes that overflow gopacket's uint8 sum
// (8 + 2*128 wraps to 8) are refused before its decoder sees them, not
// caught as a panic.
func TestParseARPSizes(t *testing.T) {
	mac, _ := net.ParseMAC("02:00:00:00:00:01")
	b, _ := buildARP(arpPacket{EthSrc: mac, EthDst: broadcastMAC, Op: layers.ARPReply, SenderMAC: mac,
		SenderIP: netip.MustParseAddr("10.0.0.1"), TargetIP: netip.MustParseAddr("10.0.0.2")})
	for _, tc := range []struct {
		name     string
		hw, prot byte
	}{{"hw 128", 128, 0}, {"prot 128", 0, 128}, {"both 124", 124, 124}, {"hw 255", 255, 4}, {"hw 16", 16, 4}, {"prot 16", 6, 16}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseARP(withSizes(b, tc.hw, tc.prot)); err != errNotARP {
				t.Errorf("error %v, want errNotARP", err)
			}
		})
	}
}

// FuzzParseARP: whatever the frame, parseARP returns a well-formed packet
// or an error of its own: never a panic, not even one gopacket's parser
// would recover as an error.
func FuzzParseARP(f *testing.F) {
	mac, _ := net.ParseMAC("02:00:00:00:00:01")
	b, _ := buildARP(arpPacket{EthSrc: mac, EthDst: broadcastMAC, Op: layers.ARPReply, SenderMAC: mac,
		SenderIP: netip.MustParseAddr("10.0.0.1"), TargetIP: netip.MustParseAddr("10.0.0.2")})
	f.Add(b)
	f.Add(b[:30])
	f.Add([]byte{})
	f.Add(withSizes(b, 128, 0))
	f.Add(withSizes(b, 124, 124))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseARP(b)
		if err != nil && strings.HasPrefix(err.Error(), "panic") {
			t.Fatalf("the decoder panicked on %x: %v", b, err)
		}
		if err == nil && (!p.SenderIP.Is4() || len(p.SenderMAC) != 6 || !p.TargetIP.Is4() || len(p.TargetMAC) != 6) {
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
