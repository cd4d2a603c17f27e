package netlab

import (
	"reflect"
	"testing"
)

func TestBindKeys(t *testing.T) {
	for _, c := range []struct{ name, ds, want string }{
		{"ldns-keygen", ".\tIN\tDS\t31610 13 2 1fda95eb", "trust-anchors {\n  \".\" static-ds 31610 13 2 \"1fda95eb\";\n};\n"},
		{"with TTL", "lab. 3600 IN DS 2391 13 2 9d20", "trust-anchors {\n  \"lab.\" static-ds 2391 13 2 \"9d20\";\n};\n"},
		{"not DS", ". IN DNSKEY 257 3 13 abcd", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := bindKeys(c.ds)
			if got != c.want || (err != nil) != (c.want == "") {
				t.Errorf("bindKeys(%q) = %q, %v; want %q", c.ds, got, err, c.want)
			}
		})
	}
}

func TestBreakSigned(t *testing.T) {
	signed := []string{
		"www.x.lab.\t3600\tIN\tA\t192.0.2.80",
		"www.x.lab.\t3600\tIN\tRRSIG\tA 13 3 3600 1 2 111 x.lab. good",
		"www.x.lab.\t300\tIN\tNSEC\tx.lab. A RRSIG NSEC",
		"www.x.lab.\t300\tIN\tRRSIG\tNSEC 13 3 300 1 2 111 x.lab. nsec",
	}
	alt := []string{"www.x.lab.\t3600\tIN\tRRSIG\tA 13 3 3600 1 2 222 x.lab. other"}
	t.Run("swapSig", func(t *testing.T) {
		want := []string{signed[0], signed[2], signed[3], alt[0]}
		if got := swapSig(signed, alt, "WWW.x.lab."); !reflect.DeepEqual(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("dropName", func(t *testing.T) {
		want := signed[2:]
		if got := dropName(signed, "www.x.lab."); !reflect.DeepEqual(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
}
