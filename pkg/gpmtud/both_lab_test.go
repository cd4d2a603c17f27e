package gpmtud

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// bothRE is a hop line's host column as -b prints it: "name (addr)".
var bothRE = regexp.MustCompile(`(?m)^ ?\d+:  (\S+ \(\S+\)) +\d+\.\d+ms`)

// TestLabBoth: with -b both tools print each hop as "name (addr)", names
// from h1's hosts file and "??? (addr)" for a hop without one: the same
// columns in the same order as tracepath -b.
func TestLabBoth(t *testing.T) {
	netlab.Need(t, "tracepath")
	c := mtuChain(t)
	hosts := fmt.Sprintf("127.0.0.1 localhost\n%s r1.lab\n%s h2.lab\n", c.RouterAddr4(1), c.H2Addr4())
	if err := c.H1.WriteEtc("hosts", []byte(hosts)); err != nil {
		t.Fatal(err)
	}
	bin := netlab.Binary(t, "gpmtud")
	columns := func(argv ...string) []string {
		out, err := c.H1.Command(context.Background(), argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		var cols []string
		for _, m := range bothRE.FindAllStringSubmatch(string(out), -1) {
			if len(cols) == 0 || cols[len(cols)-1] != m[1] {
				cols = append(cols, m[1])
			}
		}
		t.Logf("%s:\n%s", argv[0], out)
		return cols
	}
	dst := c.H2Addr4()
	netlab.ForgetPathMTUs(t, c.H1)
	want := columns("tracepath", "-b", dst)
	netlab.ForgetPathMTUs(t, c.H1)
	got := columns(bin, "--hops", "-b", dst)
	if strings.Join(got, "|") != strings.Join(want, "|") || !strings.Contains(strings.Join(got, "|"), "r1.lab (") {
		t.Errorf("gpmtud --hops -b: %q\ntracepath -b:    %q", got, want)
	}
}
