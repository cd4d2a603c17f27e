package gdig

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// wireSample is an answer of two A records and a TXT in the authority
// section, names compressed, as the lab's malformed server sends it
// before it spoils it (servers_lab_test.go).
func wireSample(t testing.TB) []byte {
	m := new(dns.Msg)
	m.SetQuestion("trunc.example.lab.", dns.TypeA)
	m.Response, m.Compress = true, true
	for _, s := range []string{"trunc.example.lab. 300 IN A 192.0.2.1", "trunc.example.lab. 300 IN A 192.0.2.2"} {
		rr, _ := dns.NewRR(s)
		m.Answer = append(m.Answer, rr)
	}
	txt, _ := dns.NewRR(`trunc.example.lab. 300 IN TXT "hello"`)
	m.Ns = []dns.RR{txt}
	raw, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestReadWire: each way a message breaks gives BIND's reason, the
// questions and records before it, and where reading stopped (dig's
// "extra bytes at end"); the figures are dig 9.18's on the same bytes
// (TestLabBestEffort).
func TestReadWire(t *testing.T) {
	raw := wireSample(t)
	const qend = 12 + 19 + 4 // the question: its name in full
	rr1 := qend + 16         // the second answer
	spoil := func(f func(b []byte) []byte) []byte { return f(slices.Clone(raw)) }
	for _, c := range []struct {
		name    string
		raw     []byte
		err     error
		q, rrs  int
		extra   int
		heading bool
	}{
		{"whole", raw, nil, 1, 3, 0, true},
		{"trailing bytes", append(slices.Clone(raw), 1, 2, 3, 4), nil, 1, 3, 4, true},
		{"header alone", raw[:12], errWireEnd, 0, 0, 0, false},
		{"cut in the question's name", raw[:15], errWireEnd, 0, 0, 3, false},
		{"cut in the question's type", raw[:qend-2], errWireEnd, 0, 0, 2, true},
		{"cut after an answer's owner", raw[:qend+2], errWireEnd, 1, 0, 0, true},
		{"cut in the second answer's rdata", raw[:rr1+14], errWireEnd, 1, 1, 2, true},
		{"cut after the first answer", raw[:rr1], errWireEnd, 1, 1, 0, true},
		{"cut in the authority section", raw[:len(raw)-3], errWireEnd, 1, 2, 3, true},
		{"a count past the records", spoil(func(b []byte) []byte { b[7]++; return b }), errWireEnd, 1, 3, 0, true},
		{"rdata past the end", spoil(func(b []byte) []byte { b[qend+10] = 1; return b }), errWireEnd, 1, 0, 38, true},
		{"A of 5 bytes", spoil(func(b []byte) []byte { b[qend+11] = 5; return b }), errWireExtra, 1, 0, 0, true},
		{"A of 3 bytes", spoil(func(b []byte) []byte { b[qend+11] = 3; return b }), errWireEnd, 1, 0, 38, true},
		{"pointer forward", spoil(func(b []byte) []byte { b[rr1], b[rr1+1] = 0xc0, byte(len(b)-2); return b }), errWirePointer, 1, 1, 0, true},
		{"pointer to itself", spoil(func(b []byte) []byte { b[rr1], b[rr1+1] = 0xc0, byte(rr1); return b }), errWirePointer, 1, 1, 0, true},
		{"label type 01", spoil(func(b []byte) []byte { b[rr1] = 0x41; return b }), errWireLabel, 1, 1, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := readWire(c.raw)
			if !errors.Is(w.err, c.err) && w.err != c.err {
				t.Errorf("err %v, want %v", w.err, c.err)
			}
			n := len(w.msg.Answer) + len(w.msg.Ns) + len(w.msg.Extra)
			if len(w.msg.Question) != c.q || n != c.rrs || w.qname != c.heading {
				t.Errorf("read %d questions, %d records, heading %v; want %d, %d, %v", len(w.msg.Question), n, w.qname, c.q, c.rrs, c.heading)
			}
			if w.err != nil && !w.recoverable() {
				return // dig tells no extra bytes of a bad packet
			}
			if w.extra() != c.extra {
				t.Errorf("extra %d, want %d", w.extra(), c.extra)
			}
			if w.counts != [4]int{1, 2, 1, 0} && c.name != "a count past the records" {
				t.Errorf("counts %v", w.counts)
			}
		})
	}
}

// TestReadWireLongName: a name of more than 255 bytes is too long.
func TestReadWireLongName(t *testing.T) {
	raw := make([]byte, 12)
	binary.BigEndian.PutUint16(raw[4:], 1)
	for range 5 {
		raw = append(append(raw, 63), make([]byte, 63)...)
	}
	raw = append(raw, 0, 0, 1, 0, 1)
	if w := readWire(raw); !errors.Is(w.err, errWireLong) {
		t.Errorf("err %v, want %v", w.err, errWireLong)
	}
}

// TestHexDump: dig's dump, byte for byte (its lines for a 12-byte
// header and a 20-byte message).
func TestHexDump(t *testing.T) {
	raw := []byte{0x2e, 0x33, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00}
	want := []string{"12 bytes", "2e 33 85 00 00 01 00 02 00 01 00 00                      .3.........."}
	if got := hexDump(raw); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	raw = append(raw, "\x05tru~ }!"...)
	want = []string{"20 bytes", "2e 33 85 00 00 01 00 02 00 01 00 00 05 74 72 75          .3...........tru",
		"7e 20 7d 21                                              ..}!"}
	if got := hexDump(raw); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// FuzzReadWire: any bytes read without a panic; reading ends inside the
// message, after the header, with no more than the header counts; a
// message read whole holds every record it counts.
func FuzzReadWire(f *testing.F) {
	raw := wireSample(f)
	f.Add(raw)
	f.Add(raw[:40])
	f.Add(append(slices.Clone(raw), 0xde, 0xad))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) < 12 {
			return
		}
		w := readWire(raw)
		if w.end < 12 || w.end > len(raw) || w.size != len(raw) {
			t.Fatalf("end %d of %d", w.end, len(raw))
		}
		got := [4]int{len(w.msg.Question), len(w.msg.Answer), len(w.msg.Ns), len(w.msg.Extra)}
		for i := range got {
			if got[i] > w.counts[i] || w.err == nil && got[i] != w.counts[i] {
				t.Fatalf("read %v of %v (err %v)", got, w.counts, w.err)
			}
		}
		for _, line := range hexDump(raw)[1:] {
			if len(line) > 48+9+16 {
				t.Fatalf("dump line %q", line)
			}
		}
	})
}

// TestServerList: one count of tries for the lookup: a server is asked
// again while more than one is left, then each server left once.
func TestServerList(t *testing.T) {
	a := func(s string) stubServer { return stubServer{addr: netip.MustParseAddr(s), port: 53} }
	l := &serverList{all: []stubServer{a("192.0.2.1"), a("192.0.2.2"), a("192.0.2.3")}, tries: 3}
	var asked []string
	for {
		asked = append(asked, l.cur().addr.String())
		if !l.failed() {
			break
		}
	}
	want := []string{"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.3"}
	if !slices.Equal(asked, want) {
		t.Errorf("asked %v, want %v", asked, want)
	}
}

// TestPrecedence: glibc's default order, as dig gets it from getaddrinfo:
// ::1, then IPv6, 6to4, IPv4-compatible, IPv4; equal ones as they came.
func TestPrecedence(t *testing.T) {
	in := []string{"192.0.2.1", "::192.0.2.9", "2002::1", "fd00::1", "198.51.100.1", "::1", "2001:db8::1"}
	addrs := make([]netip.Addr, len(in))
	for i, s := range in {
		addrs[i] = netip.MustParseAddr(s)
	}
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int { return precedence(b) - precedence(a) })
	var got []string
	for _, a := range addrs {
		got = append(got, a.String())
	}
	want := []string{"::1", "fd00::1", "2001:db8::1", "2002::1", "::c000:209", "192.0.2.1", "198.51.100.1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
