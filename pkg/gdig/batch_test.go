package gdig

import (
	"net/netip"
	"testing"
	"time"

	"gnetutils/pkg/resolver"
)

// TestResolverPool: a batch's lookups share a resolver only when their
// configurations are the same, roots and anchors the same slices.
func TestResolverPool(t *testing.T) {
	o := &options{globals: &globals{pool: &resolverPool{}}}
	roots := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:53")}
	base := resolver.Config{Roots: roots, Timeout: time.Second, QMin: true}
	get := func(c resolver.Config) *resolver.Resolver {
		r, err := o.newResolver(c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := get(base)
	if get(base) != first {
		t.Error("the same configuration made a second resolver")
	}
	for name, change := range map[string]func(*resolver.Config){
		"another timeout":           func(c *resolver.Config) { c.Timeout = 2 * time.Second },
		"another roots slice":       func(c *resolver.Config) { c.Roots = append([]netip.AddrPort(nil), roots...) },
		"a setting outside buckets": func(c *resolver.Config) { c.MaxCNAME = 3 },
	} {
		c := base
		change(&c)
		if r := get(c); r == first || get(c) != r {
			t.Errorf("%s: shared %v (want a resolver of its own, shared by its like)", name, r == first)
		}
	}
}
