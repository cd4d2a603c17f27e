package gdig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchNames: the names +search asks, in dig's order (checked
// against dig in TestLabSearchList): with fewer dots than ndots, the
// search list (+domain's in place of resolv.conf's), then the name as
// given; otherwise the name alone.
func TestSearchNames(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver 127.0.0.1\nsearch a.lab b.lab.\noptions ndots:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := resolvConf
	resolvConf = conf
	t.Cleanup(func() { resolvConf = old })
	for _, tc := range []struct {
		name   string
		search bool
		domain string
		ndots  int
		want   string
	}{
		{"www", false, "", -1, "www"},
		{"www", true, "", -1, "www.a.lab www.b.lab www"},
		{"www", true, "x.lab", -1, "www.x.lab www"},
		{"www.sub", true, "", -1, "www.sub.a.lab www.sub.b.lab www.sub"},
		{"www.sub.lab", true, "", -1, "www.sub.lab"},
		{"www.sub.lab", true, "", 3, "www.sub.lab.a.lab www.sub.lab.b.lab www.sub.lab"},
		{"www.sub", true, "", 1, "www.sub"},
		{"www", true, "", 0, "www"},
		{"www.", true, "x.lab", -1, "www."},
	} {
		t.Run(fmt.Sprintf("%s %s %d", tc.name, tc.domain, tc.ndots), func(t *testing.T) {
			o := defaults(&globals{ndots: tc.ndots})
			o.search, o.domain = tc.search, tc.domain
			var names []string
			for _, n := range o.searchNames(tc.name) {
				names = append(names, n.name)
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
