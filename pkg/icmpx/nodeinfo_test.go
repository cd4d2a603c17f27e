package icmpx

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestNodeInfoMarshalParse(t *testing.T) {
	m := NodeInfo{Type: NIReplyType, Code: NISuccess, Qtype: QtypeIPv6, Flags: NIFlagAll | NIFlagGlobal,
		Nonce: [NonceLen]byte{0, 7, 1, 2, 3, 4, 5, 6}, Data: []byte{1, 2, 3}}
	b := m.Marshal()
	want := []byte{140, 0, 0, 0, 0, 3, 0, 0x22, 0, 7, 1, 2, 3, 4, 5, 6, 1, 2, 3}
	if !bytes.Equal(b, want) {
		t.Fatalf("Marshal: % x, want % x", b, want)
	}
	got, err := ParseNodeInfo(b)
	if err != nil || got.Type != m.Type || got.Qtype != m.Qtype || got.Flags != m.Flags || got.Nonce != m.Nonce || !bytes.Equal(got.Data, m.Data) {
		t.Errorf("ParseNodeInfo: %+v, %v; want %+v", got, err, m)
	}
	for _, bad := range [][]byte{b[:15], append([]byte{129}, b[1:]...)} {
		if _, err := ParseNodeInfo(bad); err == nil {
			t.Errorf("ParseNodeInfo(% x): no error", bad)
		}
	}
}

// ttl60 is a Node Name reply's data: a TTL of 60, then wire.
func ttl60(wire string) []byte { return append([]byte{0, 0, 0, 60}, wire...) }

// TestNames reads Node Name replies as ping prints them (the expected
// names are ping 20221126's, from the lab: TestLabNodeInfoOddReplies).
func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string // the names' String()s, comma-separated
		err  error
	}{
		{"fqdn and partial", ttl60("\x02h2\x03lab\x00\x02h2\x00\x00"), "h2.lab.,h2", nil},
		{"compression pointer", ttl60("\x02h2\x00\x03www\xc0\x04"), "h2.,www.h2.", nil},
		{"cut short", ttl60("\x02h2\x00\x05ab"), "h2.", ErrNITruncated},
		{"no ttl", []byte{0, 0}, "", ErrNIShort},
		{"ttl alone", ttl60(""), "", nil},
		{"escapes", ttl60("\x04a.\x01 \x00\x04@$(\xff\x00\x00"), `a\.\001\032.,\@\$\(\255`, nil},
		{"root", ttl60("\x00"), ".", nil},
		{"pointer loop", ttl60("\x01a\x00\xc0\x09"), "a.", ErrNITruncated},
		{"pointer out", ttl60("\xc0\x40"), "", ErrNITruncated},
		{"label type 0x40", ttl60("\x01x\x00\x41x\x00"), "x.", ErrNITruncated},
		{"over 255 bytes", ttl60("\x01x\x00" + strings.Repeat("\x3f"+strings.Repeat("a", 63), 4) + "\x00"), "x.", ErrNITruncated},
		{"255 bytes", ttl60(strings.Repeat("\x3f"+strings.Repeat("a", 63), 3) + "\x3d" + strings.Repeat("b", 61) + "\x00"), strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 61) + ".", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NodeInfo{Qtype: QtypeName, Data: tc.data}
			ttl, names, err := m.Names()
			var got []string
			for _, n := range names {
				got = append(got, n.String())
			}
			if strings.Join(got, ",") != tc.want || !errors.Is(err, tc.err) || (err != ErrNIShort && ttl != 60) {
				t.Errorf("Names: %q %v ttl %d, want %q %v", got, err, ttl, tc.want, tc.err)
			}
		})
	}
}

func TestAddrs(t *testing.T) {
	addr := func(ttl byte, s string) []byte {
		return append([]byte{0, 0, 0, ttl}, netip.MustParseAddr(s).AsSlice()...)
	}
	for _, tc := range []struct {
		name  string
		qtype uint16
		data  []byte
		want  string
		err   error
	}{
		{"ipv6", QtypeIPv6, append(addr(1, "fd00::1"), addr(2, "fe80::2")...), "1 fd00::1,2 fe80::2", nil},
		{"ipv4", QtypeIPv4, append(addr(3, "198.18.2.1"), addr(4, "198.51.100.2")...), "3 198.18.2.1,4 198.51.100.2", nil},
		{"none", QtypeIPv6, nil, "", nil},
		{"cut short", QtypeIPv6, append(addr(1, "fd00::1"), 0, 0, 0, 0, 0xfd), "1 fd00::1", ErrNITruncated},
		{"ttl only", QtypeIPv4, []byte{0, 0, 0}, "", ErrNITruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NodeInfo{Qtype: tc.qtype, Data: tc.data}
			addrs, err := m.Addrs()
			var got []string
			for _, a := range addrs {
				got = append(got, strings.Join([]string{string(rune('0' + a.TTL)), a.Addr.String()}, " "))
			}
			if strings.Join(got, ",") != tc.want || err != tc.err {
				t.Errorf("Addrs: %q %v, want %q %v", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := (&NodeInfo{Qtype: QtypeName}).Addrs(); err == nil {
		t.Error("Addrs of a Node Name reply: no error")
	}
}

// TestEncodeName holds EncodeName to ns_name_pton's reading of a name (as
// ping -N subject-name= gives it to dn_comp).
func TestEncodeName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // "" for an error
	}{
		{"h2.lab", "\x02h2\x03lab\x00"},
		{"h2.lab.", "\x02h2\x03lab\x00"},
		{"h2", "\x02h2\x00"},
		{".", "\x00"},
		{"", "\x00"},
		{`a\.b`, "\x03a.b\x00"},
		{`\065b`, "\x02Ab\x00"},
		{`a\`, "\x01a\x00"},
		{strings.Repeat("x", 63), "\x3f" + strings.Repeat("x", 63) + "\x00"},
		{strings.Repeat("x", 64), ""},
		{"a..b", ""},
		{"a..", ""},
		{".a", ""},
		{"..", ""},
		{`\25`, ""},
		{`\256`, ""},
		{strings.Repeat("x.", 127), strings.Repeat("\x01x", 127) + "\x00"},
		{strings.Repeat("x.", 128), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeName(tc.name)
			if (tc.want == "") != (err != nil) || string(got) != tc.want {
				t.Errorf("EncodeName(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
			}
		})
	}
}

// FuzzNodeInfo feeds the NI parsers hostile replies: they never panic,
// never read more names or addresses than the data holds, and every name
// they print reads back (EncodeName) to the same name.
func FuzzNodeInfo(f *testing.F) {
	reply := func(qtype uint16, data []byte) []byte {
		m := NodeInfo{Type: NIReplyType, Qtype: qtype, Data: data}
		return m.Marshal()
	}
	f.Add(reply(QtypeName, ttl60("\x02h2\x03lab\x00\x02h2\x00\x00")))
	f.Add(reply(QtypeName, ttl60("\x02h2\x00\x03www\xc0\x04")))
	f.Add(reply(QtypeName, ttl60("\x01a\x00\xc0\x09")))
	f.Add(reply(QtypeName, ttl60("\x04a.\x01 \x00")))
	f.Add(reply(QtypeIPv6, append([]byte{0, 0, 0, 1}, make([]byte, 16)...)))
	f.Add(reply(QtypeIPv4, []byte{0, 0, 0, 1, 198, 18, 2, 1, 0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseNodeInfo(b)
		if err != nil {
			return
		}
		_, names, _ := m.Names()
		if len(names) > len(m.Data) {
			t.Fatalf("%d names from %d bytes", len(names), len(m.Data))
		}
		for _, n := range names {
			wire, err := EncodeName(n.Name)
			if err != nil {
				t.Fatalf("name %q does not read back: %v", n.Name, err)
			}
			back, _, ok := expandName(wire, 0)
			if !ok || back != n.Name {
				t.Fatalf("name %q reads back as %q", n.Name, back)
			}
		}
		for _, qtype := range []uint16{QtypeIPv4, QtypeIPv6} {
			m.Qtype = qtype
			if addrs, _ := m.Addrs(); len(addrs)*8 > len(m.Data) {
				t.Fatalf("%d addresses from %d bytes", len(addrs), len(m.Data))
			}
		}
	})
}
