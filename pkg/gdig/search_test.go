package gdig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchNames: the names +search asks, in dig's order (checked
// against dig in TestLabQueryOptions): the search list before the name
// as given when it has fewer dots than ndots, after it otherwise.
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
		want   string
	}{
		{"www", false, "", "www"},
		{"www", true, "", "www.a.lab www.b.lab www"},
		{"www", true, "x.lab", "www.x.lab www.a.lab www.b.lab www"},
		{"www.sub", true, "", "www.sub.a.lab www.sub.b.lab www.sub"},
		{"www.sub.lab", true, "", "www.sub.lab www.sub.lab.a.lab www.sub.lab.b.lab"},
		{"www.", true, "x.lab", "www."},
	} {
		t.Run(tc.name+" "+tc.domain, func(t *testing.T) {
			o := defaults(&globals{})
			o.search, o.domain = tc.search, tc.domain
			if got := strings.Join(o.searchNames(tc.name), " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
