package netroute

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"gnetutils/pkg/netlab"
)

func TestLoopback(t *testing.T) {
	src, err := Source(netip.MustParseAddr("127.0.0.1"), netip.Addr{})
	if err != nil || src.String() != "127.0.0.1" {
		t.Fatalf("source towards 127.0.0.1: %v %v", src, err)
	}
	ifi, src, err := Interface(netip.MustParseAddr("127.0.0.1"))
	if err != nil || ifi.Flags&net.FlagLoopback == 0 || src.String() != "127.0.0.1" {
		t.Errorf("interface towards 127.0.0.1: %v %v %v", ifi, src, err)
	}
	if a := InterfaceAddr(ifi, false); a.String() != "127.0.0.1" {
		t.Errorf("loopback's IPv4 address: %v", a)
	}
	if name, mtu, err := InterfaceMTU(netip.MustParseAddr("127.0.0.1")); err != nil || name != ifi.Name || mtu != ifi.MTU {
		t.Errorf("interface MTU towards 127.0.0.1: %q %d %v, want %q %d", name, mtu, err, ifi.Name, ifi.MTU)
	}
}

// TestLabRoutes: in a chain's end host the source and interface come from
// its routes; a router without a default route has none to elsewhere.
func TestLabRoutes(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2})
	err := c.H1.Do(func() error {
		ifi, src, err := Interface(netip.MustParseAddr(c.H2Addr4()))
		if err != nil {
			return err
		}
		if ifi.Name != "east" || src.String() != c.H1Addr4() {
			t.Errorf("towards h2: %s %s, want east %s", ifi.Name, src, c.H1Addr4())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Routers[0].Do(func() error {
		if _, err := Source(netip.MustParseAddr("198.18.99.1"), netip.Addr{}); !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("no route: %v, want ENETUNREACH", err)
		}
		return nil
	})
}
