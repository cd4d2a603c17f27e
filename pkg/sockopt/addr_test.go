package sockopt

import (
	"net/netip"
	"testing"
)

func TestSockaddrRoundTrip(t *testing.T) {
	for _, s := range []string{"127.0.0.1:7", "[::1]:53", "[fd00::1]:0", "[::ffff:198.18.0.1]:9", "[fe80::1%1]:33434"} {
		t.Run(s, func(t *testing.T) {
			ap := netip.MustParseAddrPort(s)
			sa, err := Sockaddr(ap)
			if err != nil {
				t.Fatal(err)
			}
			want := netip.AddrPortFrom(ap.Addr().WithZone("").Unmap(), ap.Port())
			if got := AddrPortOf(sa); got != want {
				t.Errorf("AddrPortOf(Sockaddr(%v)) = %v, want %v", ap, got, want)
			}
		})
	}
	if _, err := Sockaddr(netip.MustParseAddrPort("[fe80::1%nosuchif0]:1")); err == nil {
		t.Error("an unknown zone is not an error")
	}
}

func TestHtons(t *testing.T) {
	if got := Htons(0x0806); got != 0x0608 {
		t.Errorf("Htons(0x0806) = %#x", got)
	}
}
