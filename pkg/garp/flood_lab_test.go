package garp

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// watchUnderFlood runs the real garp --watch on h1 of a segment for
// about 4 s while h3 sends what frame(n) makes, and returns its run and
// the flood's figures.
func watchUnderFlood(t *testing.T, s *netlab.Segment, l labflood.Limits, frame func(n int) []byte, args ...string) (labflood.Run, labflood.Stats) {
	t.Helper()
	bin := netlab.Binary(t, "garp")
	argv := append([]string{bin, "--watch", "-I", "eth0", "-w", "4"}, args...)
	started := make(chan labflood.Run, 1)
	go func() { started <- labflood.RunTool(t, s.Hosts[0], 0, 15*time.Second, argv...) }()
	time.Sleep(300 * time.Millisecond) // the socket open
	f, err := labflood.StartARP(s.Hosts[2], "eth0", l, frame)
	if err != nil {
		t.Fatal(err)
	}
	st := f.Wait()
	r := <-started
	t.Logf("garp %s: exit %d in %v; flood of %v\nstdout: %d lines, %.300s...\nstderr: %s", strings.Join(args, " "), r.Code, r.Elapsed.Round(time.Millisecond), st, strings.Count(r.Stdout, "\n"), r.Stdout, r.Stderr)
	return r, st
}

// TestLabMalformedARP floods the real garp --watch with ARP frames whose
// address sizes overflow gopacket's uint8 length arithmetic (its decoder
// panicked on them), with h2's announcement and a spoofed claim of h2's
// address between them: garp refuses them before decoding, keeps
// running to -w, and reports the station and the conflict.
func TestLabMalformedARP(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h2MAC, err := s.Hosts[1].MAC("eth0")
	if err != nil {
		t.Fatal(err)
	}
	h2 := netip.MustParseAddr(s.Addr4(1))
	spoof := net.HardwareAddr{0x02, 0xee, 0, 0, 0, 1}
	announce := labflood.ARPFrame(1, h2MAC, h2, h2)
	claim := labflood.ARPFrame(2, spoof, h2, h2)
	bad := labflood.ARPFrame(1, spoof, netip.MustParseAddr("198.19.0.99"), h2)
	sizes := [][2]byte{{128, 0}, {0, 128}, {124, 124}, {255, 255}, {6, 128}}
	frame := func(n int) []byte {
		switch n % 5000 {
		case 1000:
			return announce // repeated: a flood may crowd one out
		case 3000:
			return claim
		}
		sz := sizes[n%len(sizes)]
		bad[14+4], bad[14+5] = sz[0], sz[1]
		return bad
	}
	r, _ := watchUnderFlood(t, s, labflood.Limits{Rate: 100000, Count: 200000, Duration: 3 * time.Second}, frame)
	if r.Code != 0 || strings.Contains(r.Stderr, "panic") {
		t.Errorf("exit %d, stderr %q: want 0 at -w", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stdout, "new station "+h2.String()) || !strings.Contains(r.Stdout, "CONFLICT "+h2.String()+" is at "+spoof.String()) {
		t.Errorf("station or conflict not reported:\n%.2000s", r.Stdout)
	}
	if strings.Contains(r.Stdout, "198.19.0.99") {
		t.Errorf("a malformed frame's sender was taken for a station")
	}
}

// TestLabWatchFlood floods the real garp --watch with ARP from random
// senders, as fast as this machine sends (the goal is 1,000,000 frames a
// second; the rate reached is logged), a station of the segment
// announcing itself and a spoofer claiming its address between them:
// the table stays bounded (so does garp's memory: frames are dropped, not
// piled up), and the conflicts are still reported, since the flood's
// senders, heard once each, are evicted before the station.
func TestLabWatchFlood(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h2MAC, err := s.Hosts[1].MAC("eth0")
	if err != nil {
		t.Fatal(err)
	}
	h2 := netip.MustParseAddr(s.Addr4(1))
	spoof := net.HardwareAddr{0x02, 0xee, 0, 0, 0, 1}
	announce := labflood.ARPFrame(1, h2MAC, h2, h2)
	claim := labflood.ARPFrame(2, spoof, h2, h2)
	random := labflood.ARPFrame(1, spoof, h2, netip.MustParseAddr("198.19.0.250"))
	frame := func(n int) []byte {
		switch n % 20000 {
		case 0, 5000:
			return announce // twice: a station of the segment speaks again and again
		case 10000:
			return claim
		}
		// A new sender each time: 02:xx MAC and 10.x address from n.
		b := random
		b[8], b[9], b[10], b[11] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		copy(b[22:28], b[6:12])
		b[28], b[29], b[30], b[31] = 10, byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	r, st := watchUnderFlood(t, s, labflood.Limits{Rate: 1000000, Count: 3000000, Duration: 2500 * time.Millisecond}, frame)
	if r.Code != 0 || !strings.Contains(r.Stdout, "CONFLICT "+h2.String()+" is at "+spoof.String()) {
		t.Errorf("exit %d, want 0 and the conflict reported under a flood of %v", r.Code, st)
	}
	// The table at its bound is some 12 MiB; the runtime and the output
	// buffers add a few: far from what the frames of the flood would take.
	if r.PeakRSS > 96<<10 {
		t.Errorf("garp's resident set reached %d KiB under the flood", r.PeakRSS)
	}
	t.Logf("peak RSS %d KiB; %d new stations, %d conflicts reported", r.PeakRSS, strings.Count(r.Stdout, "new station"), strings.Count(r.Stdout, "CONFLICT"))
}
