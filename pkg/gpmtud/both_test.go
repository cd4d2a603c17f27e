package gpmtud

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli"
)

// TestBothHostColumn: -b prints "name (addr)" in tracepath's 52-character
// column, an address without a name as "??? (addr)", and a column too
// long for it followed by one space, as tracepath's print_host.
func TestBothHostColumn(t *testing.T) {
	names := map[string]string{"198.18.1.1": "r1.lab", "198.18.3.1": strings.Repeat("x", 50) + ".lab"}
	lookup := func(a netip.Addr) string {
		if n, ok := names[a.String()]; ok {
			return n
		}
		return "???"
	}
	tests := []struct {
		name string
		both bool
		from string
		want string
	}{
		{"plain", false, "198.18.1.1", " 1:  198.18.1.1" + strings.Repeat(" ", 42) + "  0.250ms "},
		{"named", true, "198.18.1.1", " 1:  r1.lab (198.18.1.1)" + strings.Repeat(" ", 33) + "  0.250ms "},
		{"unnamed", true, "198.18.2.1", " 1:  ??? (198.18.2.1)" + strings.Repeat(" ", 36) + "  0.250ms "},
		{"long", true, "198.18.3.1", " 1:  " + names["198.18.3.1"] + " (198.18.3.1)   0.250ms "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			p := &textPrinter{lines: cli.NewLines(&out), both: tt.both, lookup: lookup}
			p.hop(hopLine{ttl: 1, from: netip.MustParseAddr(tt.from), rtt: 250 * time.Microsecond})
			if got := strings.TrimSuffix(out.String(), "\n"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
