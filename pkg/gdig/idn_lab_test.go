package gdig

import (
	"context"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabIDN: +idnin and +idnout beside dig on a lab zone with A-labels
// (xn--bcher-kva is bücher, xn--strae-oqa straße): piped, where dig
// converts nothing unless told, and on a terminal, where it converts both
// ways by default.
func TestLabIDN(t *testing.T) {
	d, _ := hierarchy(t)
	auth := "@" + d.Servers["auth"].Addr4
	for _, args := range [][]string{
		{auth, "bücher.example.lab"}, // sent as its bytes: NXDOMAIN
		{auth, "+idnin", "bücher.example.lab"},
		{auth, "+idnin", "BÜCHER.Example.Lab"},
		{auth, "+idnin", "straße.example.lab"},
		{auth, "+idnin", "+idnout", "straße.example.lab"},
		{auth, "+idnout", "xn--strae-oqa.example.lab"},
		{auth, "+idnin", "+noidnin", "bücher.example.lab"},
		{auth, "+idnin", "xn--zz.example.lab"},       // bad punycode
		{auth, "+idnin", "ab--c.bücher.example.lab"}, // hyphens in 3 and 4
		{auth, "+idnin", "WWW.Example.Lab"},          // ASCII: as given
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			want, wantCode := d.Client.CombinedOutput(t, "dig", args...)
			got, errOut, code := d.Client.RunTool(t, Run, args...)
			got = strings.ReplaceAll(got+errOut, "gdig: ", "dig: ")
			if normalize(got) != normalize(want) || code != wantCode {
				t.Errorf("exit %d/%d\n--- gdig:\n%s--- dig:\n%s", code, wantCode, got, want)
			}
		})
	}
	bin := netlab.Binary(t, "gdig")
	for _, args := range [][]string{
		{auth, "straße.example.lab"},
		{auth, "+noidnout", "straße.example.lab"},
		{auth, "+noidnin", "+noidnout", "bücher.example.lab"},
	} {
		t.Run("terminal "+strings.Join(args[1:], " "), func(t *testing.T) {
			want := onTerminal(t, d, "dig", args)
			got := onTerminal(t, d, bin, args)
			if normalize(got) != normalize(want) {
				t.Errorf("--- gdig:\n%s--- dig:\n%s", got, want)
			}
		})
	}
}

// onTerminal is what name args print on a terminal, its CRLFs as LFs.
func onTerminal(t *testing.T, d *netlab.DNS, name string, args []string) string {
	t.Helper()
	p, err := d.Client.StartPty(context.Background(), 200, 50, []string{"LANG=C.UTF-8"}, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return strings.ReplaceAll(string(p.Output()), "\r\n", "\n")
}
