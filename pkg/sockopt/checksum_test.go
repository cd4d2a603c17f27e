package sockopt

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// TestChecksum: RFC 1071's own example (section 3), split in parts
// anywhere on an even byte, and an odd last part.
func TestChecksum(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	for _, c := range []struct {
		name  string
		parts [][]byte
		want  uint16
	}{
		{"whole", [][]byte{b}, ^uint16(0xddf2)},
		{"split", [][]byte{b[:2], b[2:6], b[6:]}, ^uint16(0xddf2)},
		{"odd end", [][]byte{b[:4], {0x01}}, ^uint16(0x0001 + 0xf203 + 0x0100)},
		{"empty", nil, 0xffff},
	} {
		if got := Checksum(c.parts...); got != c.want {
			t.Errorf("%s: %#04x, want %#04x", c.name, got, c.want)
		}
	}
}

// TestPseudoHeader holds Checksum over PseudoHeader to gopacket's TCP
// checksum, over IPv4 and IPv6, for an even and an odd segment.
func TestPseudoHeader(t *testing.T) {
	for _, c := range []struct{ src, dst string }{{"198.18.1.2", "198.18.4.1"}, {"fd00:1::2", "fd00:4::1"}} {
		for _, payload := range []string{"even", "odd"} {
			src, dst := netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst)
			tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 12345, SYN: true, Window: 1024}
			var network gopacket.NetworkLayer
			if src.Is4() {
				network = &layers.IPv4{SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice()), Protocol: layers.IPProtocolTCP}
			} else {
				network = &layers.IPv6{SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice()), NextHeader: layers.IPProtocolTCP}
			}
			if err := tcp.SetNetworkLayerForChecksum(network); err != nil {
				t.Fatal(err)
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, tcp, gopacket.Payload(payload)); err != nil {
				t.Fatal(err)
			}
			seg := append([]byte(nil), buf.Bytes()...)
			want := binary.BigEndian.Uint16(seg[16:])
			seg[16], seg[17] = 0, 0
			if got := Checksum(PseudoHeader(src, dst, 6, len(seg)), seg); got != want {
				t.Errorf("%s -> %s %q: %#04x, gopacket %#04x", src, dst, payload, got, want)
			}
		}
	}
}
