package gdig

import (
	"net/netip"
	"reflect"
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
		"another timeout":     func(c *resolver.Config) { c.Timeout = 2 * time.Second },
		"another roots slice": func(c *resolver.Config) { c.Roots = append([]netip.AddrPort(nil), roots...) },
		"another CNAME limit": func(c *resolver.Config) { c.MaxCNAME = 3 },
	} {
		c := base
		change(&c)
		if r := get(c); r == first || get(c) != r {
			t.Errorf("%s: shared %v (want a resolver of its own, shared by its like)", name, r == first)
		}
	}
}

// TestPoolKey: every setting of resolver.Config but Events tells two
// batch resolvers apart, so that a new setting cannot be left out of
// keyOf unnoticed.
func TestPoolKey(t *testing.T) {
	zero := keyOf(resolver.Config{})
	typ := reflect.TypeFor[resolver.Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var c resolver.Config
		v := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.Func:
			continue // Events: a traced lookup's resolver is its own
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(1)
		case reflect.Uint16:
			v.SetUint(1)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(f.Type, 1, 1))
		default:
			if f.Type != reflect.TypeFor[netip.AddrPort]() {
				t.Fatalf("Config.%s: a %v, which the test cannot set", f.Name, f.Type)
			}
			v.Set(reflect.ValueOf(netip.MustParseAddrPort("127.0.0.1:53")))
		}
		if keyOf(c) == zero {
			t.Errorf("Config.%s is not in keyOf", f.Name)
		}
	}
}
