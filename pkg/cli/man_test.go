package cli

import (
	"strings"
	"testing"
)

func TestRoff(t *testing.T) {
	cases := []struct{ in, want string }{
		{"stop after -c replies", `stop after \-c replies`},
		{"--json (NDJSON), mtr-style", `\-\-json (NDJSON), mtr-style`},
		{"(default -1)", `(default \-1)`},
		{`Ctrl-\`, `Ctrl-\e`},
		{`(default "7,9,13")`, `(default "7,\:9,\:13")`},
		{".hidden\n'quoted", "\\&.hidden\n\\&'quoted"},
		{strings.Repeat("word ", 20), strings.TrimSpace(strings.Repeat("word ", 16)) + "\n" + strings.TrimSpace(strings.Repeat("word ", 4)) + " "},
	}
	for _, tc := range cases {
		if got := Roff(tc.in); got != tc.want {
			t.Errorf("Roff(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
