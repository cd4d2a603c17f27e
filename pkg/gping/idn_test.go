package gping

import (
	"strings"
	"testing"
)

// TestIDNLookup holds idnLookup to what ping 20221126 (libidn2 2.3.3,
// Debian 12) answered to ping -N subject-name=<name> in the lab.
func TestIDNLookup(t *testing.T) {
	l63 := strings.Repeat("a", 63)
	for _, tc := range []struct {
		name, want string
		err        error
	}{
		{"h2.lab", "h2.lab", nil},
		{"A.B", "A.B", nil},
		{"a\x01b", "a\x01b", nil},
		{"a b", "a b", nil},
		{"a_b", "a_b", nil},
		{"a\\.b", "a\\.b", nil},
		{"a--b", "a--b", nil},
		{"", "", nil},
		{".", ".", nil},
		{"a..b", "a..b", nil},
		{"h2%eth0", "h2%eth0", nil},
		{"xn--ida", "xn--ida", nil},
		{"XN--IDA", "XN--IDA", nil},
		{"ñ.lab", "xn--ida.lab", nil},
		{"-ab", "", errIDNHyphen},
		{"ab-", "", errIDNHyphen},
		{"-", "", errIDNHyphen},
		{"a.b-", "", errIDNHyphen},
		{strings.Repeat("x", 64) + ".-a", "", errIDNHyphen},
		{"ab--c", "", errIDNTwoHyphens},
		{"Ab--c", "", errIDNTwoHyphens},
		{"xn--zz", "", errIDNPunycode},
		{"xn--abc-", "", errIDNPunycode},
		{"xn--ida-", "", errIDNPunycode},
		{"xn--", "", errIDNPunycode},
		{"xn--a", "", errIDNForbidden},
		{"h2%" + strings.Repeat("x", 70), "", errIDNLabel},
		{strings.Repeat("x", 64), "", errIDNLabel},
		{l63 + "." + l63 + "." + l63 + "." + strings.Repeat("a", 61), l63 + "." + l63 + "." + l63 + "." + strings.Repeat("a", 61), nil},
		{l63 + "." + l63 + "." + l63 + "." + strings.Repeat("a", 62), "", errIDNDomain},
		{strings.Repeat("x.", 127), strings.Repeat("x.", 127), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := idnLookup(tc.name)
			if got != tc.want || err != tc.err {
				t.Errorf("idnLookup(%q) = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
			}
		})
	}
}
