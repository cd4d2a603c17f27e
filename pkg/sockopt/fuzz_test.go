package sockopt

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out.
func cmsg(level, typ int, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = int32(level), int32(typ)
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func extendedErrSeed(origin, typ, code uint8, info uint32, offender []byte) []byte {
	b := make([]byte, 16, 16+len(offender))
	binary.NativeEndian.PutUint32(b[0:], uint32(unix.EHOSTUNREACH))
	b[4], b[5], b[6] = origin, typ, code
	binary.NativeEndian.PutUint32(b[8:], info)
	return append(b, offender...)
}

func sockaddrIn4Seed(a [4]byte) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint16(b, unix.AF_INET)
	copy(b[4:], a[:])
	return b
}

func sockaddrIn6Seed(a [16]byte) []byte {
	b := make([]byte, 28)
	binary.NativeEndian.PutUint16(b, unix.AF_INET6)
	copy(b[8:], a[:])
	return b
}

func TestParseAncillarySeeds(t *testing.T) {
	ts := make([]byte, 16)
	binary.NativeEndian.PutUint64(ts, 1700000000)
	binary.NativeEndian.PutUint64(ts[8:], 123456789)
	ttl := make([]byte, 4)
	binary.NativeEndian.PutUint32(ttl, 61)
	oob := append(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts), cmsg(unix.IPPROTO_IP, unix.IP_TTL, ttl)...)
	oob = append(oob, cmsg(unix.IPPROTO_IP, unix.IP_RECVERR, extendedErrSeed(unix.SO_EE_ORIGIN_ICMP, 3, 4, 1400, sockaddrIn4Seed([4]byte{198, 18, 2, 1})))...)
	anc, err := ParseAncillary(oob)
	if err != nil {
		t.Fatal(err)
	}
	if anc.Time.Unix() != 1700000000 || anc.Time.Nanosecond() != 123456789 || anc.TTL != 61 {
		t.Errorf("timestamp/TTL: %+v", anc)
	}
	if e := anc.Err; e == nil || e.Info != 1400 || e.Type != 3 || e.Code != 4 || e.Offender.String() != "198.18.2.1" || e.Errno != unix.EHOSTUNREACH {
		t.Errorf("extended error: %+v", anc.Err)
	}
	// A truncated timestamp is an error, not a panic or a zero time read as real.
	if _, err := ParseAncillary(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts[:8])); err == nil {
		t.Error("short timestamp accepted")
	}
}

func FuzzParseAncillary(f *testing.F) {
	ts := make([]byte, 16)
	f.Add(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts))
	f.Add(cmsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, []byte{64, 0, 0, 0}))
	f.Add(cmsg(unix.IPPROTO_IP, unix.IP_RECVERR, extendedErrSeed(unix.SO_EE_ORIGIN_ICMP, 11, 0, 0, sockaddrIn4Seed([4]byte{10, 0, 0, 1}))))
	f.Add(cmsg(unix.IPPROTO_IPV6, unix.IPV6_RECVERR, extendedErrSeed(unix.SO_EE_ORIGIN_ICMP6, 2, 0, 1280, sockaddrIn6Seed([16]byte{0xfd, 0, 15: 1}))))
	f.Add(cmsg(unix.IPPROTO_IP, unix.IP_RECVERR, extendedErrSeed(unix.SO_EE_ORIGIN_LOCAL, 0, 0, 1500, nil)))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, oob []byte) {
		anc, err := ParseAncillary(oob)
		// The same framing as x/sys's parser, which ParseAncillary replaced
		// to stop allocating per packet.
		if _, xerr := unix.ParseSocketControlMessage(oob); xerr != nil && err == nil {
			t.Errorf("x/sys rejects %x (%v), ParseAncillary took it", oob, xerr)
		}
		if err == nil && anc.Err != nil && anc.Err.Offender.IsValid() && !anc.Err.Offender.Is4() && !anc.Err.Offender.Is6() {
			t.Errorf("offender %v neither IPv4 nor IPv6", anc.Err.Offender)
		}
	})
}

// TestParseAncillaryAllocs: the timestamp and TTL every reply carries are
// decoded without allocating (a flood parses one set per packet).
func TestParseAncillaryAllocs(t *testing.T) {
	ts := make([]byte, 16)
	binary.NativeEndian.PutUint64(ts, 1700000000)
	oob := append(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts), cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{61, 0, 0, 0})...)
	var anc Ancillary
	allocs := testing.AllocsPerRun(100, func() { anc, _ = ParseAncillary(oob) })
	if allocs != 0 || anc.TTL != 61 || anc.Time.Unix() != 1700000000 {
		t.Errorf("%v allocations, TTL %d, time %v", allocs, anc.TTL, anc.Time)
	}
}
