package sockopt

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawSockaddr reads b as the kernel's own structs (x/sys's layouts, copied
// to be aligned): what ParseSockaddr must agree with.
func rawSockaddr(b []byte) netip.AddrPort {
	var sa unix.RawSockaddrInet6 // the larger of the two
	n := copy((*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(&sa))[:], b)
	port := func(p *uint16) uint16 { return binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(p))[:]) }
	switch {
	case n >= 2 && sa.Family == unix.AF_INET && n >= unix.SizeofSockaddrInet4:
		in4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa))
		return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), port(&in4.Port))
	case n >= 2 && sa.Family == unix.AF_INET6 && n >= unix.SizeofSockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), port(&sa.Port))
	}
	return netip.AddrPort{}
}

// FuzzParseSockaddr: for any bytes (an error's offender, a datagram's
// source, as the kernel or a hostile input lays them out), ParseSockaddr
// never panics, reads what the kernel's structs say, and what it returns
// goes back to a sockaddr unchanged.
func FuzzParseSockaddr(f *testing.F) {
	f.Add(sockaddrIn4Seed([4]byte{198, 18, 2, 1}))
	f.Add(sockaddrIn6Seed([16]byte{0xfd, 0, 15: 1}))
	f.Add(sockaddrIn6Seed([16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1})) // IPv4-mapped
	f.Add(sockaddrIn4Seed([4]byte{})[:15])
	f.Add([]byte{})
	f.Add([]byte{unix.AF_UNIX, 0, '/', 't'})
	f.Fuzz(func(t *testing.T, b []byte) {
		got := ParseSockaddr(b)
		if want := rawSockaddr(b); got != want {
			t.Fatalf("ParseSockaddr(%x) = %v, the kernel's structs say %v", b, got, want)
		}
		if !got.IsValid() {
			return
		}
		sa, err := Sockaddr(got)
		if err != nil {
			t.Fatalf("Sockaddr(%v): %v", got, err)
		}
		if back := AddrPortOf(sa); back != netip.AddrPortFrom(got.Addr().Unmap(), got.Port()) {
			t.Fatalf("%v went back as %v", got, back)
		}
	})
}
