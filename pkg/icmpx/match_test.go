package icmpx

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/sockopt"
)

// fixture is a Conn without a socket that has sent probes 1 to 3 from src
// to dst, and what it sent.
type fixture struct {
	c        *Conn
	src, rtr netip.Addr
	req      map[uint16][]byte
}

// fixedCookie is the fixtures' cookie: the same in every run, so that the
// fuzzer's corpus keeps matching.
var fixedCookie = [CookieLen]byte{0xc0, 0x0c, 0x1e, 0x5e, 0xc0, 0x0c, 0x1e, 0x5e}

func newFixture(v6, raw bool) *fixture {
	dst, src, rtr := "198.18.3.2", "198.18.1.1", "198.18.1.2"
	if v6 {
		dst, src, rtr = "fd00:0:0:3::2", "fd00:0:0:1::1", "fd00:0:0:1::2"
	}
	c := &Conn{dst: netip.MustParseAddr(dst), src: netip.MustParseAddr(src), v6: v6, raw: raw, id: 77,
		seed: maphash.MakeSeed(), cookie: fixedCookie, cookieAt: maxCookieAt}
	if !raw {
		c.src = netip.Addr{}
	}
	f := &fixture{c: c, src: netip.MustParseAddr(src), rtr: netip.MustParseAddr(rtr), req: map[uint16][]byte{}}
	for seq := uint16(1); seq <= 3; seq++ {
		b, _ := c.prepare(seq, payload)
		f.req[seq] = append([]byte(nil), b...)
	}
	return f
}

// reply is the echo reply to request req as the socket would deliver it
// (a raw IPv4 socket: with its IP header).
func (f *fixture) reply(req []byte) []byte {
	b := append([]byte(nil), req...)
	b[0] = v4EchoReply
	if f.c.v6 {
		b[0] = v6EchoReply
	}
	return f.wrap(b, f.c.dst)
}

// wrap fills in the IPv4 checksum and, for a raw IPv4 socket, puts the IP
// header from src in front.
func (f *fixture) wrap(icmp []byte, src netip.Addr) []byte {
	if f.c.v6 {
		return icmp
	}
	icmp[2], icmp[3] = 0, 0
	binary.BigEndian.PutUint16(icmp[2:], sockopt.Checksum(icmp))
	if !f.c.raw {
		return icmp
	}
	return ipv4Quote(src.String(), f.src.String(), 0, icmp)
}

// timeExceeded is a router's error quoting n bytes of req (its ICMP header
// and payload) sent from src.
func (f *fixture) timeExceeded(req []byte, n int, src netip.Addr) []byte {
	q := req[:min(n, len(req))]
	if f.c.v6 {
		return icmpError(icmpkind.V6TimeExceeded, 0, [4]byte{}, ipv6Quote(src.String(), f.c.dst.String(), q))
	}
	return f.wrap(icmpError(icmpkind.V4TimeExceeded, 0, [4]byte{}, ipv4Quote(src.String(), f.c.dst.String(), 1, q)), f.rtr)
}

// deliver hands pkt to the Conn as a raw socket or its error queue would.
func (f *fixture) deliver(pkt []byte, from netip.Addr) (Event, bool) {
	if f.c.raw || pkt[0] == v4EchoReply || pkt[0] == v6EchoReply {
		return f.c.fromPacket(pkt, ancTTL(), from)
	}
	// A datagram socket's error queue: the quoted ICMP message, the
	// router in the extended error, the original destination as name.
	m, _ := Parse(f.c.v6, pkt)
	if m.Quote == nil {
		return Event{}, false
	}
	origin := uint8(unix.SO_EE_ORIGIN_ICMP)
	if f.c.v6 {
		origin = unix.SO_EE_ORIGIN_ICMP6
	}
	anc := sockopt.Ancillary{TTL: 64, Err: &sockopt.ExtendedErr{Origin: origin, Type: m.Type, Code: m.Code, Offender: from}}
	return f.c.fromErrQueue(m.Quote.Transport, anc, m.Quote.Dst)
}

// TestMatch: replies and errors count only for a probe this Conn sent and
// that is still outstanding, carrying its cookie and quoting its source,
// destination and payload; raw IPv4 messages need a good checksum.
func TestMatch(t *testing.T) {
	type step struct {
		pkt  func(f *fixture) ([]byte, netip.Addr)
		want bool
	}
	reply := func(seq uint16) func(f *fixture) ([]byte, netip.Addr) {
		return func(f *fixture) ([]byte, netip.Addr) { return f.reply(f.req[seq]), f.c.dst }
	}
	quote := func(seq uint16, n int) func(f *fixture) ([]byte, netip.Addr) {
		return func(f *fixture) ([]byte, netip.Addr) { return f.timeExceeded(f.req[seq], n, f.src), f.rtr }
	}
	tamper := func(seq uint16, at int, mk func(f *fixture, req []byte) []byte) func(f *fixture) ([]byte, netip.Addr) {
		return func(f *fixture) ([]byte, netip.Addr) {
			req := append([]byte(nil), f.req[seq]...)
			req[at] ^= 0x55
			if mk == nil {
				return f.reply(req), f.c.dst
			}
			return mk(f, req), f.rtr
		}
	}
	fullQuote := func(f *fixture, req []byte) []byte { return f.timeExceeded(req, len(req), f.src) }
	all := len(payload) + icmpHeaderLen
	tests := []struct {
		name    string
		steps   []step
		corrupt bool // the last step's event is marked corrupt
		dup     bool
		only    string // the sockets the case is for, if not all: "raw", "raw IPv4"
	}{
		{name: "reply", steps: []step{{reply(1), true}}},
		{name: "duplicate reply", steps: []step{{reply(1), true}, {reply(1), true}}, dup: true},
		{name: "reply to a sequence never sent", steps: []step{{func(f *fixture) ([]byte, netip.Addr) {
			req := append([]byte(nil), f.req[1]...)
			binary.BigEndian.PutUint16(req[6:], 9)
			return f.reply(req), f.c.dst
		}, false}}},
		{name: "reply with another process's cookie", steps: []step{{tamper(2, icmpHeaderLen+maxCookieAt+3, nil), false}}},
		{name: "reply with data corrupted", steps: []step{{tamper(2, icmpHeaderLen+40, nil), true}}, corrupt: true},
		{name: "reply with a bad checksum", only: "raw IPv4", steps: []step{{func(f *fixture) ([]byte, netip.Addr) {
			b := f.reply(f.req[1])
			b[len(b)-1] ^= 1
			return b, f.c.dst
		}, false}}},
		{name: "error quoting all", steps: []step{{quote(2, all), true}}},
		{name: "error quoting the header only", steps: []step{{quote(2, icmpHeaderLen), true}}},
		{name: "error quoting the cookie", steps: []step{{quote(2, icmpHeaderLen+maxCookieAt+CookieLen), true}}},
		{name: "second error for a probe", steps: []step{{quote(2, all), true}, {quote(2, all), false}}},
		{name: "error for an answered probe", steps: []step{{reply(2), true}, {quote(2, all), false}}},
		{name: "error for a sequence never sent", steps: []step{{func(f *fixture) ([]byte, netip.Addr) {
			req := append([]byte(nil), f.req[1]...)
			binary.BigEndian.PutUint16(req[6:], 9)
			return f.timeExceeded(req, len(req), f.src), f.rtr
		}, false}}},
		{name: "error quoting a wrong cookie", steps: []step{{tamper(3, icmpHeaderLen+maxCookieAt, fullQuote), false}}},
		{name: "error quoting a wrong timestamp", steps: []step{{tamper(3, icmpHeaderLen+2, func(f *fixture, req []byte) []byte {
			return f.timeExceeded(req, icmpHeaderLen+20, f.src)
		}), false}}},
		{name: "error quoting changed data", steps: []step{{tamper(3, icmpHeaderLen+50, fullQuote), false}}},
		{name: "error quoting another source", only: "raw", steps: []step{{func(f *fixture) ([]byte, netip.Addr) {
			return f.timeExceeded(f.req[3], all, f.rtr), f.rtr
		}, false}}},
	}
	for _, v6 := range []bool{false, true} {
		for _, raw := range []bool{true, false} {
			for _, tc := range tests {
				name := map[bool]string{false: "datagram", true: "raw"}[raw] + map[bool]string{false: " IPv4", true: " IPv6"}[v6]
				if !strings.HasPrefix(name, tc.only) {
					continue
				}
				t.Run(name+" "+tc.name, func(t *testing.T) {
					f := newFixture(v6, raw)
					var ev Event
					var ok bool
					for i, s := range tc.steps {
						pkt, from := s.pkt(f)
						if ev, ok = f.deliver(pkt, from); ok != s.want {
							t.Fatalf("step %d: matched %v, want %v (%+v)", i, ok, s.want, ev)
						}
					}
					if ok && (ev.Corrupt != tc.corrupt || ev.Dup != tc.dup || ev.Sent.IsZero()) {
						t.Errorf("corrupt %v dup %v sent %v, want corrupt %v dup %v", ev.Corrupt, ev.Dup, ev.Sent, tc.corrupt, tc.dup)
					}
				})
			}
		}
	}
}

// FuzzMatch feeds arbitrary bytes to the parse and match path of every
// socket kind (a raw socket's packets, a datagram socket's replies and
// error queue), after probes 1 to 3 were sent. Whatever it is given, it
// must not panic, must match only those probes, and must not believe a
// second error about a probe.
func FuzzMatch(f *testing.F) {
	for mode := range 4 {
		fx := newFixture(mode&1 == 1, mode&2 == 2)
		all := len(payload) + icmpHeaderLen
		for _, pkt := range [][]byte{fx.reply(fx.req[1]), fx.timeExceeded(fx.req[2], all, fx.src), fx.timeExceeded(fx.req[3], icmpHeaderLen, fx.src)} {
			if !fx.c.raw {
				if m, err := Parse(fx.c.v6, pkt); err == nil && m.Quote != nil {
					pkt = m.Quote.Transport // what the error queue gives
				}
			}
			f.Add(uint8(mode), pkt)
		}
	}
	f.Fuzz(func(t *testing.T, mode uint8, b []byte) {
		fx := newFixture(mode&1 == 1, mode&2 == 2)
		check := func(ev Event, ok bool) {
			if ok && (ev.Seq < 1 || ev.Seq > 3 || ev.Sent.IsZero() || ev.Conn != fx.c) {
				t.Fatalf("matched %+v", ev)
			}
		}
		deliver := func() (ev Event, ok bool) {
			if ev, ok = fx.c.fromPacket(bytes.Clone(b), ancTTL(), fx.c.dst); ok || fx.c.raw {
				return ev, ok
			}
			origin := uint8(unix.SO_EE_ORIGIN_ICMP)
			if fx.c.v6 {
				origin = unix.SO_EE_ORIGIN_ICMP6
			}
			anc := sockopt.Ancillary{TTL: 64, Err: &sockopt.ExtendedErr{Origin: origin, Type: 3, Code: 1, Offender: fx.rtr}}
			return fx.c.fromErrQueue(bytes.Clone(b), anc, fx.c.dst)
		}
		ev, ok := deliver()
		check(ev, ok)
		again, ok2 := deliver()
		check(again, ok2)
		if ok && ev.Kind != Reply && ev.Kind != OtherError && ok2 {
			t.Fatalf("a second error about probe %d believed: %+v", ev.Seq, again)
		}
	})
}
