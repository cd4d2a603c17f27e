package icmpx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/sockopt"
)

// echo builds an ICMP echo header with data.
func echo(typ uint8, id, seq uint16, data string) []byte {
	b := make([]byte, 8, 8+len(data))
	b[0] = typ
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	return append(b, data...)
}

// ipv4Quote is an IPv4 header (no options) followed by payload.
func ipv4Quote(src, dst string, ipid uint16, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:], ipid)
	h[8], h[9] = 1, protoICMP
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, payload...)
}

func ipv6Quote(src, dst string, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6], h[7] = protoICMPv6, 1
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, payload...)
}

func icmpError(typ, code uint8, rest [4]byte, quote []byte) []byte {
	b := []byte{typ, code, 0, 0, rest[0], rest[1], rest[2], rest[3]}
	return append(b, quote...)
}

func TestParse(t *testing.T) {
	req4 := echo(v4EchoRequest, 0x1234, 7, "payload!")
	req6 := echo(v6EchoRequest, 0x1234, 7, "payload!")
	tests := []struct {
		name    string
		v6      bool
		msg     []byte
		typ     uint8
		mtu     int
		quoted  bool
		dst     string
		wantErr bool
	}{
		{"echo reply", false, echo(v4EchoReply, 0x1234, 7, "data"), v4EchoReply, 0, false, "", false},
		{"time exceeded", false, icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{}, ipv4Quote("198.18.1.2", "198.18.4.1", 99, req4)), icmpkind.V4TimeExceeded, 0, true, "198.18.4.1", false},
		{"frag needed", false, icmpError(icmpkind.V4DestUnreach, 4, [4]byte{0, 0, 0x05, 0x78}, ipv4Quote("198.18.1.2", "198.18.4.1", 99, req4)), icmpkind.V4DestUnreach, 1400, true, "198.18.4.1", false},
		// RFC 4884: length 7 words (28 bytes) of quote, then an extension.
		{"rfc4884 length", false, append(icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{0, 7, 0, 0}, ipv4Quote("198.18.1.2", "198.18.4.1", 99, req4[:8])), 0x20, 0, 0, 0), icmpkind.V4TimeExceeded, 0, true, "198.18.4.1", false},
		{"packet too big", true, icmpError(icmpkind.V6PacketTooBig, 0, [4]byte{0, 0, 0x05, 0x00}, ipv6Quote("fd00::2", "fd00:4::1", req6)), icmpkind.V6PacketTooBig, 1280, true, "fd00:4::1", false},
		{"v6 time exceeded", true, icmpError(icmpkind.V6TimeExceeded, 0, [4]byte{}, ipv6Quote("fd00::2", "fd00:4::1", req6)), icmpkind.V6TimeExceeded, 0, true, "fd00:4::1", false},
		{"short", false, []byte{0, 0, 0}, 0, 0, false, "", true},
		{"quote too short", false, icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{}, []byte{0x45, 0, 0}), icmpkind.V4TimeExceeded, 0, false, "", true},
		{"quote bad ihl", false, icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{}, append([]byte{0x4f}, make([]byte, 30)...)), icmpkind.V4TimeExceeded, 0, false, "", true},
		{"quote wrong version", true, icmpError(icmpkind.V6TimeExceeded, 0, [4]byte{}, ipv4Quote("198.18.1.2", "198.18.4.1", 1, append(req4, make([]byte, 20)...))), icmpkind.V6TimeExceeded, 0, false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.v6, tc.msg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if m.Type != tc.typ || m.MTU != tc.mtu || (m.Quote != nil) != tc.quoted {
				t.Fatalf("parsed %+v", m)
			}
			if !tc.quoted {
				return
			}
			if m.Quote.Dst.String() != tc.dst {
				t.Errorf("quoted destination %v, want %s", m.Quote.Dst, tc.dst)
			}
			if id, seq, ok := m.Quote.QuotedEcho(); !ok || id != 0x1234 || seq != 7 {
				t.Errorf("quoted echo %#x %d %v", id, seq, ok)
			}
		})
	}
}

// FuzzParse: hostile ICMP never panics, and whatever parses stays inside
// the input.
func FuzzParse(f *testing.F) {
	req4 := echo(v4EchoRequest, 1, 1, "x")
	f.Add(false, echo(v4EchoReply, 1, 1, "abc"))
	f.Add(false, icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{0, 7, 0, 0}, ipv4Quote("10.0.0.1", "10.0.0.2", 5, req4)))
	f.Add(false, icmpError(icmpkind.V4DestUnreach, 4, [4]byte{0, 0, 5, 0}, ipv4Quote("10.0.0.1", "10.0.0.2", 5, req4)))
	f.Add(true, icmpError(icmpkind.V6PacketTooBig, 0, [4]byte{0, 0, 5, 0}, ipv6Quote("fd00::1", "fd00::2", echo(v6EchoRequest, 1, 1, "x"))))
	f.Add(true, []byte{129, 0, 0, 0, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		m, err := Parse(v6, b)
		if err != nil {
			return
		}
		if len(m.Data) > len(b) || (m.Quote != nil && len(m.Quote.Transport) > len(b)) {
			t.Errorf("parsed beyond the input: %+v", m)
		}
		if m.Quote != nil {
			m.Quote.QuotedEcho()
		}
		StripIPv4Header(b)
	})
}

func ancTTL() sockopt.Ancillary { return sockopt.Ancillary{TTL: 64} }

// TestEchoRequestAsXNet: the echo requests Send builds are byte for byte
// what golang.org/x/net/icmp marshals of the payload with the cookie in it
// (the checksum included), for odd and even lengths; gtraceroute's
// constant-checksum payload keeps its checksum.
func TestEchoRequestAsXNet(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, data := range [][]byte{nil, []byte("a"), payload, bytes.Repeat([]byte{0xff, 0x01, 0x80}, 500)} {
			c := &Conn{v6: v6, id: 0xbeef, cookie: newCookie(), cookieAt: maxCookieAt}
			got := c.echoRequest(4242, data)
			data := bytes.Clone(data)
			c.putCookie(data)
			typ := icmp.Type(ipv4.ICMPTypeEcho)
			if v6 {
				typ = ipv6.ICMPTypeEchoRequest
			}
			want, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: 0xbeef, Seq: 4242, Data: data}}).Marshal(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("v6 %v, %d data bytes:\n got %x\nwant %x", v6, len(data), got, want)
			}
		}
	}
	c := &Conn{id: 7, cookie: newCookie(), cookieAt: 2}
	var sums []uint16
	for seq := uint16(1); seq < 5; seq++ {
		b := make([]byte, 32)
		binary.BigEndian.PutUint16(b, ^seq)
		sums = append(sums, binary.BigEndian.Uint16(c.echoRequest(seq, b)[2:]))
	}
	if sums[0] != sums[1] || sums[1] != sums[2] || sums[2] != sums[3] {
		t.Errorf("checksums %x, want one", sums)
	}
}

// TestRawSocketFilter: a raw socket lets through the echo reply and the
// errors Parse reads, and no echo request or neighbour discovery.
func TestRawSocketFilter(t *testing.T) {
	for _, dst := range []string{"127.0.0.1", "::1"} {
		c, err := Open(Config{Dst: netip.MustParseAddr(dst), Raw: true, Sync: true})
		if errors.Is(err, ErrPermission) {
			t.Skipf("raw ICMP sockets need root or CAP_NET_RAW: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		v6 := dst == "::1"
		want := map[uint8]bool{v4EchoReply: true, icmpkind.V4DestUnreach: true, icmpkind.V4TimeExceeded: true, icmpkind.V4ParamProblem: true, v4EchoRequest: false}
		if v6 {
			want = map[uint8]bool{v6EchoReply: true, icmpkind.V6DestUnreach: true, icmpkind.V6PacketTooBig: true, icmpkind.V6TimeExceeded: true, v6EchoRequest: false, 135: false}
		}
		for typ, pass := range want {
			if got, err := sockopt.ICMPFilterPasses(c.fd, v6, typ); err != nil || got != pass {
				t.Errorf("%s: type %d passes %v (%v), want %v", dst, typ, got, err, pass)
			}
		}
		c.Close()
	}
}
