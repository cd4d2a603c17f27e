package gdig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gnetutils/pkg/cli/clitest"
)

// normalizeQuery hides the random client cookie of a query +qr shows,
// and +identify's times.
var normalizeQuery = clitest.Normalize(`(?m)^; COOKIE: [0-9a-f]+$`, "; COOKIE: C", `(?m) in \d+ ms(\.?)$`, " in T ms$1")

// TestLabQueryOptions: the +options that change the query, the lookups
// of one command line and ~/.digrc, beside dig on the same server: the
// whole output the same, times and IDs aside.
func TestLabQueryOptions(t *testing.T) {
	d, _ := hierarchy(t)
	auth := "@" + d.Servers["auth"].Addr4
	auth2 := "@" + d.Servers["auth2"].Addr4
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".digrc"), []byte("+noall +answer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{auth, "www.example.lab", "A", "example.lab", "MX"},
		{auth, "+short", "www.example.lab", "example.lab", "MX", "+noshort", "+nocmd"},
		{auth, "www.example.lab", "-t", "AAAA", "mail.example.lab"},
		{auth, "-x", "192.0.2.80", "www.example.lab"},
		{auth, "-q", "www.example.lab"},
		{auth, "www.example.lab", "+subnet=192.0.2.0/24"},
		{auth, "www.example.lab", "+subnet=0"},
		{auth, "www.example.lab", "+expire"},
		{auth, "www.example.lab", "+qid=4242"},
		{auth, "www.example.lab", "+noedns"},
		{auth, "www.example.lab", "+edns=1"},
		{auth, "www.example.lab", "+edns=1", "+noednsnegotiation"}, // the BADVERS answer is the answer
		{auth, "www.example.lab", "+edns=1", "+nocomments"},        // dig's notes are comments
		{auth, "big.example.lab", "TXT", "+noall", "+answer"},
		{auth, "example.lab", "ANY"},           // over TCP, as dig 9.18 asks ANY
		{auth, "example.lab", "ANY", "+notcp"}, // unless told
		{auth, "example.lab", "MX", "+nocomments"},
		{auth, "example.lab", "MX", "+noall", "+question", "+answer"},
		{auth, "example.lab", "MX", "+noall", "+comments"},
		{auth, "www.example.lab", "+nostats", "+identify"},
		{auth, "www.example.lab", "+noall", "+answer", "+identify"},
		{auth, "-x", "192.0.2.1"}, // a 23-character name, two tabs after it
		{"-6", auth, "www.example.lab"},
		{"www.example.lab", auth}, // the @server after the name is not counted
		// The command line's @server is asked first, the lookup's own
		// only when it does not answer, as dig 9.18 lists them.
		{auth2, "www.example.lab", auth},
		{"@" + d.Servers["dead"].Addr4, "+time=1", "+tries=1", "www.example.lab", auth},
		{"@" + d.Servers["dead"].Addr4, "+time=1", "+tries=1", "www.example.lab", auth, "example.lab", "MX"},
		{auth, "www.example.lab", "+ednsflags=0x10"},
		{auth, "www.example.lab", "+ednsopt=65001:0102"},
		{auth, "www.example.lab", "+padding=128"},
		{auth, "www.example.lab", "+cdflag", "+noadflag", "+aaflag", "+zflag", "+raflag"},
		{auth, "www.example.lab", "+tcflag"},
		{auth, "www.example.lab", "+opcode=status"},
		{auth, "www.example.lab", "+header-only"},
		{auth, "www.example.lab", "+qr"},
		// +qr's heading and blank line are comments, its size a stat.
		{auth, "www.example.lab", "+qr", "+noall", "+question"},
		{auth, "www.example.lab", "+qr", "+noall", "+question", "+stats"},
		{auth, "www.example.lab", "+qr", "+noall", "+answer", "+comments"},
		{auth, "www.example.lab", "+qr", "+nocomments"},
		// The opening lines +qr printed are not printed again on failure
		// (a closed port on loopback, whose ICMP errors have no rate limit).
		{"@127.0.0.1", "-p", "9", "+tries=1", "www.example.lab", "+qr"},
		// The query's OPT pseudosection (+qr) shows each option as dig does.
		{auth, "www.example.lab", "+qr", "+subnet=192.0.2.0/24", "+expire", "+nsid", "+keepalive", "+ednsopt=65001:0102"},
		{auth, "www.example.lab", "+qr", "+subnet=2001:db8::/48", "+padding=128", "+nocookie", "+ednsflags=0x10", "+coflag"},
		{auth, "www.example.lab", "+short", "+identify"},
		{auth, "www.example.lab", "+ttlunits", "+nottlid", "+noclass"},
		{auth, "www.example.lab", "+coflag", "+dnssec"},
		{auth, "www.example.lab", "+keepalive", "+tcp"},
		{auth, "big.example.lab", "TXT", "+ignore"},
		{auth, "example.lab", "AXFR", "+onesoa"},
		{auth, "www.example.lab", "+mult", "+nocookie"},
		{auth, "-b", d.Segment.Addr4(0), "www.example.lab", "+short"},
		// The search list: +domain's, tried while the server says NXDOMAIN.
		{auth, "+search", "+domain=example.lab", "www"},
		{auth, "+search", "+domain=example.lab", "www.nothere"},
		{auth, "+showsearch", "+domain=example.lab", "mail"},
		{auth, "+search", "+domain=example.lab", "nothere"},
		{auth, "+nosearch", "+domain=example.lab", "www"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			want, wantCode := d.Client.CombinedOutput(t, "dig", args...)
			got, errOut, code := d.Client.RunTool(t, Run, args...)
			if normalizeQuery(normalize(got)) != normalizeQuery(normalize(want)) || code != wantCode {
				t.Errorf("exit %d/%d %s\n--- gdig:\n%s--- dig:\n%s", code, wantCode, errOut, got, want)
			}
		})
	}
	// ~/.digrc's options come first; -r leaves the file unread.
	for _, args := range [][]string{{auth, "www.example.lab"}, {"-r", auth, "www.example.lab"}} {
		t.Run("digrc "+strings.Join(args, " "), func(t *testing.T) {
			t.Setenv("HOME", home)
			want, _ := d.Client.CombinedOutput(t, "env", append([]string{"HOME=" + home, "dig"}, args...)...)
			got, _, _ := d.Client.RunTool(t, Run, args...)
			if normalize(got) != normalize(want) {
				t.Errorf("--- gdig:\n%s--- dig:\n%s", got, want)
			}
		})
	}
}
