package gdig

import (
	"net/netip"
	"testing"
)

// TestIANARoots: the built-in hints hold a.root-servers.net to m, each
// with one IPv4 and one IPv6 address, all distinct and public; nothing is
// sent to them.
func TestIANARoots(t *testing.T) {
	if len(ianaRoots) != 26 {
		t.Fatalf("%d addresses, want 13 roots x 2 families", len(ianaRoots))
	}
	seen := map[netip.Addr]bool{}
	for i, s := range ianaRoots {
		a, err := netip.ParseAddr(s)
		if err != nil || seen[a] || !a.IsGlobalUnicast() || a.IsPrivate() || a.Is4() != (i%2 == 0) {
			t.Errorf("root %c: %q (%v)", 'a'+i/2, s, err)
		}
		seen[a] = true
	}
	// The IPv6 addresses of a and m, as IANA publishes them.
	if ianaRoots[1] != "2001:503:ba3e::2:30" || ianaRoots[25] != "2001:dc3::35" {
		t.Errorf("a: %s, m: %s", ianaRoots[1], ianaRoots[25])
	}
}
