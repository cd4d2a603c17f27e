package udpprobe

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		v6        bool
		typ, code uint8
		info      uint32
		fromDst   bool
		want      Kind
		wantMTU   int
	}{
		{false, 11, 0, 0, false, TimeExceeded, 0},
		{false, 3, 3, 0, true, Arrived, 0},
		{false, 3, 3, 0, false, Unreachable, 0}, // port unreachable from a router is not arrival
		{false, 3, 1, 0, false, Unreachable, 0},
		{false, 3, 4, 1400, false, FragNeeded, 1400},
		{false, 12, 0, 0, false, Other, 0},
		{true, 3, 0, 0, false, TimeExceeded, 0},
		{true, 1, 4, 0, true, Arrived, 0},
		{true, 1, 3, 0, false, Unreachable, 0},
		{true, 2, 0, 1280, false, FragNeeded, 1280},
		{true, 4, 0, 0, false, Other, 0},
	}
	for _, tc := range tests {
		k, mtu := Classify(tc.v6, tc.typ, tc.code, tc.info, tc.fromDst)
		if k != tc.want || mtu != tc.wantMTU {
			t.Errorf("Classify(v6=%v, %d/%d) = %v %d, want %v %d", tc.v6, tc.typ, tc.code, k, mtu, tc.want, tc.wantMTU)
		}
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
