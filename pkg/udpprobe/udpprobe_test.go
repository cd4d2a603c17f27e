package udpprobe

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/sockopt"
)

// TestMatchKind: an error-queue message becomes an answer of the kind
// pkg/icmpkind gives, but a port unreachable is arrival only from the
// destination, and only frag-needed carries the kernel's MTU.
func TestMatchKind(t *testing.T) {
	dst := netip.MustParseAddr("198.18.3.1")
	router := netip.MustParseAddr("198.18.1.1")
	dst6 := netip.MustParseAddr("fd00:0:0:3::1")
	router6 := netip.MustParseAddr("fd00:0:0:1::1")
	tests := []struct {
		name      string
		v6        bool
		typ, code uint8
		info      uint32
		fromDst   bool
		want      Kind
		wantMTU   int
	}{
		{"time exceeded", false, 11, 0, 0, false, TimeExceeded, 0},
		{"port unreachable from the destination", false, 3, 3, 0, true, Arrived, 0},
		{"port unreachable from a router", false, 3, 3, 0, false, Unreachable, 0},
		{"host unreachable", false, 3, 1, 0, false, Unreachable, 0},
		{"frag needed", false, 3, 4, 1400, false, FragNeeded, 1400},
		{"parameter problem", false, 12, 0, 0, false, icmpkind.ParamProblem, 0},
		{"v6 time exceeded", true, 3, 0, 0, false, TimeExceeded, 0},
		{"v6 port unreachable from the destination", true, 1, 4, 0, true, Arrived, 0},
		{"v6 address unreachable", true, 1, 3, 0, false, Unreachable, 0},
		{"v6 packet too big", true, 2, 0, 1280, false, FragNeeded, 1280},
		{"v6 parameter problem", true, 4, 0, 0, false, icmpkind.ParamProblem, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, from, origin := dst, router, uint8(unix.SO_EE_ORIGIN_ICMP)
			if tc.v6 {
				d, from, origin = dst6, router6, unix.SO_EE_ORIGIN_ICMP6
			}
			if tc.fromDst {
				from = d
			}
			p := &Prober{dst: netip.AddrPortFrom(d, 33434), token: [4]byte{1, 2, 3, 4}, probes: map[uint32]Probe{7: {ID: 7}}}
			quoted := []byte{1, 2, 3, 4, 0, 0, 0, 7}
			anc := sockopt.Ancillary{TTL: 62, Err: &sockopt.ExtendedErr{Origin: origin, Type: tc.typ, Code: tc.code, Info: tc.info, Offender: from}}
			a, ok := p.match(quoted, anc)
			if !ok || a.Kind != tc.want || a.MTU != tc.wantMTU || a.Probe.ID != 7 {
				t.Errorf("%d/%d: %v %+v, want %v MTU %d", tc.typ, tc.code, ok, a, tc.want, tc.wantMTU)
			}
		})
	}
}

// TestLoopbackArrived needs no lab: a probe to a closed port on loopback is
// answered by the kernel's own port-unreachable.
func TestLoopbackArrived(t *testing.T) {
	for _, dst := range []string{"127.0.0.1", "::1"} {
		p, err := New(Config{Dst: netip.AddrPortFrom(netip.MustParseAddr(dst), 33434)})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := p.Send(0, 100)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-p.Answers():
			if a.Kind != Arrived || a.Probe.ID != pr.ID || a.From.String() != dst {
				t.Errorf("%s: answer %+v", dst, a)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("%s: no answer", dst)
		}
		if _, err := p.Send(0, HeaderLen(dst == "::1")+PayloadMin-1); err == nil {
			t.Errorf("%s: a probe too small for its id was sent", dst)
		}
		p.Close()
		if _, ok := <-p.Answers(); ok {
			t.Errorf("%s: Answers not closed by Close", dst)
		}
	}
}

// TestForeignErrorsIgnored: errors about packets another prober sent (a
// different token) never match.
func TestForeignErrorsIgnored(t *testing.T) {
	p, err := New(Config{Dst: netip.MustParseAddrPort("127.0.0.1:33434")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	quoted := make([]byte, 8)
	copy(quoted, "nope")
	if _, ok := p.match(quoted, ancillaryWithErr()); ok {
		t.Error("matched a foreign token")
	}
	if _, ok := p.match(p.token[:], ancillaryWithErr()); ok {
		t.Error("matched a quote too short for an id")
	}
}

func ancillaryWithErr() sockopt.Ancillary {
	return sockopt.Ancillary{TTL: -1, Err: &sockopt.ExtendedErr{Origin: unix.SO_EE_ORIGIN_ICMP, Type: 11}}
}

// FuzzMatch feeds arbitrary quoted payloads and ICMP type/codes to the
// matcher: it must never panic and only ever match ids it sent.
func FuzzMatch(f *testing.F) {
	f.Add([]byte("12345678"), uint8(11), uint8(0), uint32(0))
	f.Add([]byte{}, uint8(3), uint8(4), uint32(1400))
	f.Fuzz(func(t *testing.T, quoted []byte, typ, code uint8, info uint32) {
		p := &Prober{probes: map[uint32]Probe{7: {ID: 7}}, dst: netip.MustParseAddrPort("192.0.2.1:33434")}
		copy(p.token[:], "tokn")
		anc := sockopt.Ancillary{TTL: -1, Err: &sockopt.ExtendedErr{Origin: unix.SO_EE_ORIGIN_ICMP, Type: typ, Code: code, Info: info}}
		if a, ok := p.match(quoted, anc); ok && (a.Probe.ID != 7 || string(quoted[:4]) != "tokn") {
			t.Errorf("matched %+v from %q", a, quoted)
		}
	})
}
