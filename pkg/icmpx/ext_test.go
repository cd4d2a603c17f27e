package icmpx

import (
	"encoding/binary"
	"testing"
)

// mplsError builds a time exceeded carrying an RFC 4950 label stack.
func mplsError(v6, withLength bool, labels ...uint32) []byte {
	quote := make([]byte, compatQuoteLen)
	quote[0] = 0x45
	if v6 {
		quote[0] = 0x60
	}
	b := []byte{11, 0, 0, 0, 0, 0, 0, 0}
	if v6 {
		b[0] = 3
	}
	if withLength {
		if v6 {
			b[4] = compatQuoteLen / 8
		} else {
			b[5] = compatQuoteLen / 4
		}
	}
	b = append(b, quote...)
	b = append(b, 0x20, 0, 0, 0) // extension header, version 2
	obj := make([]byte, 4+4*len(labels))
	binary.BigEndian.PutUint16(obj, uint16(len(obj)))
	obj[2], obj[3] = 1, 1
	for i, l := range labels {
		binary.BigEndian.PutUint32(obj[4+4*i:], l)
	}
	return append(b, obj...)
}

func TestMPLSLabels(t *testing.T) {
	entry := func(label uint32, tc uint8, s bool, ttl uint8) uint32 {
		v := label<<12 | uint32(tc)<<9 | uint32(ttl)
		if s {
			v |= 1 << 8
		}
		return v
	}
	for _, tc := range []struct {
		v6, length bool
	}{{false, true}, {false, false}, {true, true}} {
		b := mplsError(tc.v6, tc.length, entry(100, 0, false, 1), entry(200, 5, true, 254))
		got := MPLSString(MPLSLabels(tc.v6, b))
		if want := "MPLS:L=100,E=0,S=0,T=1/L=200,E=5,S=1,T=254"; got != want {
			t.Errorf("v6=%v length=%v: %q, want %q", tc.v6, tc.length, got, want)
		}
	}
	if l := MPLSLabels(false, mplsError(false, true)[:20]); l != nil {
		t.Errorf("labels from a truncated message: %v", l)
	}
}

func FuzzMPLSLabels(f *testing.F) {
	f.Add(false, mplsError(false, true, 100<<12|1<<8|1))
	f.Add(true, mplsError(true, false, 7<<12))
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		if len(MPLSLabels(v6, b)) > len(b)/4 {
			t.Error("more labels than the input can hold")
		}
	})
}
