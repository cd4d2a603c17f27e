package gtraceroute

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// TestTCPProbeOptions: what -O makes of the TCP probes, as traceroute's
// tcp_init: the flags, the options in its order, the length.
func TestTCPProbeOptions(t *testing.T) {
	sysctl := func(on ...string) func(string) bool {
		return func(name string) bool {
			for _, n := range on {
				if n == name {
					return true
				}
			}
			return false
		}
	}
	defaults := sysctl("sack", "timestamps", "window_scaling")
	tests := []struct {
		name   string
		items  []string
		sysctl func(string) bool
		flags  string
		opts   []byte // the option kinds in order (NOP 1, MSS 2, WS 3, SACK-permitted 4, TS 8)
	}{
		{"default", nil, defaults, "syn", []byte{2, 4, 8, 1, 3}},
		{"default with ecn", nil, sysctl("ecn", "sack"), "syn,ece,cwr", []byte{2, 1, 1, 4}},
		{"sysctl off", nil, sysctl(), "syn", []byte{2}},
		{"ack", []string{"ack"}, defaults, "ack", nil},
		{"syn,ack", []string{"syn", "ack"}, defaults, "syn,ack", []byte{2}},
		{"fin", []string{"fin"}, defaults, "fin", nil},
		{"ecn", []string{"ecn"}, defaults, "syn,ece,cwr", []byte{2}},
		{"timestamps", []string{"ti"}, defaults, "syn", []byte{2, 1, 1, 8}},
		{"sack", []string{"sack"}, defaults, "syn", []byte{2, 1, 1, 4}},
		{"window", []string{"window"}, defaults, "syn", []byte{2, 1, 3}},
		{"flags then a flag", []string{"flags=0x12", "fin"}, defaults, "fin,syn,ack", []byte{2}},
		{"a flag then flags", []string{"fin", "flags=2"}, defaults, "syn", []byte{2}},
		{"sysctl with a flag", []string{"ack", "sysctl"}, defaults, "ack", []byte{4, 8, 1, 3}},
		{"mss", []string{"mss=1000"}, defaults, "syn", []byte{2, 4, 8, 1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseModOptions("tcp", tc.items)
			if err != nil {
				t.Fatal(err)
			}
			p := newTCPProbe(o, tc.sysctl)
			c := &tcpCodec{probe: p, src: netip.MustParseAddr("198.18.1.2"), dst: netip.MustParseAddr("198.18.4.1"), sport: 40000, dport: 80, base: 100, ackBase: 900, mss: 1460}
			b := c.packet(5, 0)
			if len(b) != p.headerLen() || int(b[12]>>4)*4 != len(b) || flagNames(b[13]) != tc.flags {
				t.Fatalf("%d bytes (header says %d, headerLen %d), flags %s; want %s", len(b), int(b[12]>>4)*4, p.headerLen(), flagNames(b[13]), tc.flags)
			}
			if kinds := optionKinds(b[20:]); string(kinds) != string(tc.opts) {
				t.Errorf("options %v, want %v", kinds, tc.opts)
			}
			if pseudoChecksum(c.src, c.dst, unix.IPPROTO_TCP, b) != 0 {
				t.Error("bad checksum")
			}
			wantMSS := uint16(1460) // the path MTU's
			if o.mss != 0 {
				wantMSS = uint16(o.mss)
			}
			if mss := mssOption(b[20:]); b[13]&tcpSYN != 0 && mss != wantMSS {
				t.Errorf("MSS %d, want %d", mss, wantMSS)
			}
			if ack := binary.BigEndian.Uint32(b[8:]); (b[13]&tcpACK != 0) != (ack == 905) {
				t.Errorf("ack number %d with flags %s", ack, flagNames(b[13]))
			}
		})
	}
}

// optionKinds lists the kinds of the TCP options in b.
func optionKinds(b []byte) []byte {
	var kinds []byte
	for len(b) > 0 {
		kinds = append(kinds, b[0])
		if b[0] == 1 {
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			return append(kinds, 0xff)
		}
		b = b[b[1]:]
	}
	return kinds
}

func mssOption(b []byte) uint16 {
	if len(b) >= 4 && b[0] == 2 {
		return binary.BigEndian.Uint16(b[2:])
	}
	return 0
}

// TestTCPAnswers: the destination's answers name their probe, whatever
// the flags sent: a SYN's SYN-ACK or RST acknowledges seq+1, a FIN's
// seq+1, a bare ACK's RST carries our acknowledgement number as its
// sequence number; -O info gives the answer's flags.
func TestTCPAnswers(t *testing.T) {
	answer := func(ackFlag bool, seq, ack uint32, flags byte) []byte {
		b := make([]byte, 20)
		binary.BigEndian.PutUint16(b[0:], 80)
		binary.BigEndian.PutUint16(b[2:], 40000)
		binary.BigEndian.PutUint32(b[4:], seq)
		binary.BigEndian.PutUint32(b[8:], ack)
		b[13] = flags
		return b
	}
	tests := []struct {
		name  string
		sent  byte
		reply []byte
		idx   int
		info  string
		ok    bool
	}{
		{"syn, rst-ack", tcpSYN, answer(true, 0, 107, 0x14), 6, "rst,ack", true},
		{"syn, syn-ack", tcpSYN, answer(true, 555, 103, 0x12), 2, "syn,ack", true},
		{"fin, rst-ack", tcpFIN, answer(true, 0, 104, 0x14), 3, "rst,ack", true},
		{"ack, rst", tcpACK, answer(false, 907, 0, 0x04), 7, "rst", true},
		{"syn, rst without ack", tcpSYN, answer(false, 907, 0, 0x04), 0, "", false},
		{"psh, rst-ack", 0x08, answer(true, 0, 104, 0x14), 4, "rst,ack", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &tcpCodec{probe: tcpProbe{flags: tc.sent, info: true}, sport: 40000, dport: 80, base: 100, ackBase: 900}
			idx, info, ok := c.answer(tc.reply)
			if ok != tc.ok || ok && (idx != tc.idx || info != tc.info) {
				t.Errorf("answer: %d %q %v; want %d %q %v", idx, info, ok, tc.idx, tc.info, tc.ok)
			}
		})
	}
}

// TestDCCPRequest: -D's probe is a DCCP-Request as RFC 4340 lays it out
// (X set, 48-bit sequence number, the service code), its checksum right
// for IPv4 and IPv6; answers and quotes name their probe, a quote of 8
// bytes by its checksum.
func TestDCCPRequest(t *testing.T) {
	for _, pair := range [][2]string{{"198.18.1.2", "198.18.4.1"}, {"fd00:0:0:1::2", "fd00:0:0:4::1"}} {
		c := &dccpCodec{src: netip.MustParseAddr(pair[0]), dst: netip.MustParseAddr(pair[1]), sport: 41000, dport: 33434, service: defService, base: 1 << 31, sums: map[uint16]int{}}
		b := c.packet(9, 0)
		if len(b) != dccpHeaderLen || b[4] != 5 || b[8] != 0x01 || binary.BigEndian.Uint32(b[16:]) != defService || binary.BigEndian.Uint32(b[12:]) != 1<<31+9 {
			t.Errorf("%s: % x", pair[1], b)
		}
		if pseudoChecksum(c.src, c.dst, unix.IPPROTO_DCCP, b) != 0 {
			t.Errorf("%s: bad checksum", pair[1])
		}
		if idx, ok := c.quoted(b[:8]); !ok || idx != 9 {
			t.Errorf("%s: 8-byte quote: %d %v", pair[1], idx, ok)
		}
		if idx, ok := c.quoted(b); !ok || idx != 9 {
			t.Errorf("%s: whole quote: %d %v", pair[1], idx, ok)
		}
		reset := make([]byte, 28)
		binary.BigEndian.PutUint16(reset[0:], 33434)
		binary.BigEndian.PutUint16(reset[2:], 41000)
		reset[8] = 7<<1 | 1 // Reset, X
		binary.BigEndian.PutUint32(reset[20:], 1<<31+9)
		if idx, _, ok := c.answer(reset); !ok || idx != 9 {
			t.Errorf("%s: reset: %d %v", pair[1], idx, ok)
		}
		reset[8] = dccpRequest<<1 | 1
		if _, _, ok := c.answer(reset); ok {
			t.Errorf("%s: a request taken for an answer", pair[1])
		}
	}
}

// TestRawIPProbes: -P's payload is traceroute's pattern behind our token
// and index; quotes name their probe by them, an answer or a quote too
// short for them is the probe in flight's.
func TestRawIPProbes(t *testing.T) {
	c := &rawIPCodec{token: [4]byte{1, 2, 3, 4}, last: -1}
	if _, ok := c.quoted(nil); ok {
		t.Error("a quote matched before any probe left")
	}
	b := c.packet(3, 60)
	if len(b) != 40 || b[8] != 0x48 || b[39] != 0x40+39 {
		t.Errorf("payload % x", b)
	}
	c.packet(4, 20)
	if idx, ok := c.quoted(b); !ok || idx != 3 {
		t.Errorf("quote of probe 3: %d %v", idx, ok)
	}
	if idx, ok := c.quoted(b[:4]); !ok || idx != 4 {
		t.Errorf("short quote: %d %v, want the probe in flight, 4", idx, ok)
	}
	if _, ok := c.quoted(append([]byte{9}, b[1:]...)); ok {
		t.Error("another token matched")
	}
	if idx, _, ok := c.answer(nil); !ok || idx != 4 {
		t.Errorf("answer: %d %v", idx, ok)
	}
	if len(c.packet(5, 10)) != 0 || sockopt.IPHeaderLen(false) != 20 {
		t.Error("a packet shorter than its header")
	}
}

// FuzzRawAnswers feeds hostile packets to the matchers of the methods
// that build their own packets (tcp, dccp, raw), as both sockets read
// them.
func FuzzRawAnswers(f *testing.F) {
	src, dst := netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("198.18.4.1")
	codecs := []rawCodec{
		&tcpCodec{src: src, dst: dst, sport: 40000, dport: 80, base: 1000, probe: tcpProbe{flags: tcpACK, info: true}},
		&dccpCodec{src: src, dst: dst, sport: 41000, dport: 33434, sums: map[uint16]int{}},
		&rawIPCodec{last: 1},
	}
	f.Add(uint8(0), false, []byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 198, 18, 4, 1, 198, 18, 1, 2, 0, 80, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 3, 0xe9, 0x50, 0x12, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(1), true, []byte{3, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, which uint8, v6 bool, b []byte) {
		c := codecs[int(which)%len(codecs)]
		e := &rawEngine{v6: v6, proto: unix.IPPROTO_TCP, src: src, dst: dst, codec: c}
		anc := sockopt.Ancillary{TTL: -1}
		e.fromProto(b, anc, dst)
		e.fromICMP(b, anc, dst)
	})
}
