package cli

import (
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// TestNtop holds Ntop to glibc's inet_ntop, as getent prints a numeric
// address with it (a literal is parsed, never looked up: no query leaves).
func TestNtop(t *testing.T) {
	cases := []struct{ in, want string }{
		{"::c612:201", "::198.18.2.1"},
		{"::1:2", "::0.1.0.2"},
		{"::102:304", "::1.2.3.4"},
		{"::2", "::2"},
		{"::1", "::1"},
		{"::", "::"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::ffff:0:102", "::ffff:0.0.1.2"},
		{"::1:0:0:0", "::1:0:0:0"},
		{"0:0:0:0:0:1:0:1", "::1:0:1"},
		{"fd00::1", "fd00::1"},
		{"198.18.2.1", "198.18.2.1"},
	}
	getent, err := exec.LookPath("getent")
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := Ntop(netip.MustParseAddr(c.in)); got != c.want {
				t.Errorf("Ntop(%s) = %s, want %s", c.in, got, c.want)
			}
			if err != nil {
				return
			}
			out, err := exec.Command(getent, "ahosts", c.in).Output()
			if err != nil {
				t.Fatalf("getent ahosts %s: %v", c.in, err)
			}
			if f := strings.Fields(string(out)); len(f) == 0 || f[0] != c.want {
				t.Errorf("glibc writes %s as %q, the table says %s", c.in, out, c.want)
			}
		})
	}
	if err != nil {
		t.Log("no getent: checked against the table only")
	}
}
