package garp

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
)

func TestStationsBounded(t *testing.T) {
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	now := time.Now()
	for _, tc := range []struct {
		name string
		run  func(s *stations)
		kept []int // stations that must still be known
		gone []int // and those that must not
	}{
		{"oldest first", func(s *stations) {
			for i := range 5 {
				s.put(ip(i), "m", now)
			}
		}, []int{1, 2, 3, 4}, []int{0}},
		{"a flood evicts the flood", func(s *stations) {
			s.put(ip(0), "m", now)
			s.put(ip(0), "m", now) // heard again: a station of the segment
			for i := 1; i < 100; i++ {
				s.put(ip(i), "m", now)
			}
		}, []int{0, 97, 98, 99}, []int{1, 96}},
		{"all heard again", func(s *stations) {
			for i := range 5 {
				s.put(ip(i), "m", now)
				s.put(ip(i), "m", now)
			}
		}, []int{1, 4}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStations(4)
			tc.run(s)
			if s.len() != 4 || s.once.Len()+s.again.Len() != 4 {
				t.Errorf("%d stations (%d+%d in the lists), want the bound, 4", s.len(), s.once.Len(), s.again.Len())
			}
			for _, i := range tc.kept {
				if _, ok := s.get(ip(i)); !ok {
					t.Errorf("%v evicted", ip(i))
				}
			}
			for _, i := range tc.gone {
				if _, ok := s.get(ip(i)); ok {
					t.Errorf("%v kept", ip(i))
				}
			}
		})
	}
}

// TestScanHearsEachMACOnce: a reply is reported once per address and MAC
// however many MACs claim the address, each in constant time (a flood of
// 20,000 MACs for one address took a list search per reply before).
func TestScanHearsEachMACOnce(t *testing.T) {
	var out bytes.Buffer
	o := options{}
	src := netip.MustParseAddr("198.19.0.1")
	sc := &scanner{s: &session{p: newPrinter(&o, &out, io.Discard), src: src}, prefix: netip.MustParsePrefix("198.19.0.0/24"),
		macs: map[netip.Addr]int{}, heard: map[addrMAC]bool{}}
	addr := netip.MustParseAddr("198.19.0.7")
	const n = 20000
	start := time.Now()
	for round := 0; round < 2; round++ {
		for i := range n {
			mac := net.HardwareAddr{2, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}
			sc.hear(received{p: arpPacket{Op: layers.ARPReply, SenderMAC: mac, SenderIP: addr, TargetIP: src}})
		}
	}
	if sc.macs[addr] != n || strings.Count(out.String(), "\n") != n {
		t.Errorf("%d MACs counted, %d lines: want %d of each", sc.macs[addr], strings.Count(out.String(), "\n"), n)
	}
	t.Logf("%d replies in %v", 2*n, time.Since(start))
}
