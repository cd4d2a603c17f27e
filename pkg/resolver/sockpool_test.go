package resolver

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestSockPool: a socket serves again only after a clean exchange, within
// its bounds, and only for the address it is connected to.
func TestSockPool(t *testing.T) {
	ctx := context.Background()
	a := netip.MustParseAddrPort("127.0.0.1:9")
	b := netip.MustParseAddrPort("127.0.0.2:9")
	var p sockPool
	c, err := p.get(ctx, a)
	if err != nil {
		t.Skip(err)
	}
	p.put(c, true)
	if again, _ := p.get(ctx, a); again != c || again.uses != 2 {
		t.Fatalf("clean socket not served again: %p (uses %d), want %p", again, again.uses, c)
	}
	other, _ := p.get(ctx, b)
	if other == c || other.RemoteAddr().String() != b.String() {
		t.Fatalf("socket for %v is connected to %v", b, other.RemoteAddr())
	}
	p.put(other, true)
	for _, tc := range []struct {
		name  string
		clean bool
		age   func(*pooledConn)
	}{
		{"after junk or a cut read", false, func(*pooledConn) {}},
		{"after sockUses queries", true, func(c *pooledConn) { c.uses = sockUses }},
		{"after sockAge", true, func(c *pooledConn) { c.opened = time.Now().Add(-sockAge) }},
	} {
		tc.age(c)
		p.put(c, tc.clean)
		if _, err := c.Write([]byte{0}); err == nil {
			t.Errorf("%s: socket kept open", tc.name)
		}
		next, _ := p.get(ctx, a)
		if next == c {
			t.Errorf("%s: socket served again", tc.name)
		}
		c = next
	}
	if p.n != 1 {
		t.Errorf("%d idle sockets, want 1 (for %v)", p.n, b)
	}
}
