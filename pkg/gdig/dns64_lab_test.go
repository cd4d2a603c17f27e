package gdig

import (
	"regexp"
	"strings"
	"testing"
)

// TestLabDNS64Prefix: +dns64prefix prints the prefixes dig finds in
// ipv4only.arpa's AAAA records (each of RFC 6052's lengths, and none
// from the records that hold no prefix), alone or beside other lookups,
// and nothing where the server has no such records.
func TestLabDNS64Prefix(t *testing.T) {
	z := newZonesLab(t)
	a2 := "@" + z.addr["a2"]
	for _, args := range [][]string{
		{a2, "+dns64prefix"},
		{a2, "+dns64prefix", "+identify"},
		{a2, "+dns64prefix", "+stats"},
		{a2, "+dns64prefix", "+comments"},
		{a2, "+dns64prefix", "+all"},
		{a2, "+dns64prefix", "+short"},
		{a2, "+dns64prefix", "+noall"},
		{a2, "+dns64prefix", "+tcp"},
		{a2, "+dns64prefix", "www.ok.lab"},
		{a2, "www.ok.lab", "+dns64prefix"},
		{a2, "+dns64prefix", "A"},
		{"@" + z.addr["a1"], "+dns64prefix"},  // REFUSED: nothing
		{"@" + z.addr["tld"], "+dns64prefix"}, // REFUSED: nothing
		{"@" + z.addr["mute"], "+dns64prefix", "+time=1", "+tries=1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) { z.compare(t, false, args, args) })
	}
	// The test can fail: six prefixes, the one of each length.
	out, _ := z.d.Client.CombinedOutput(t, z.bin, a2, "+dns64prefix")
	if n := len(regexp.MustCompile(`(?m)^[0-9a-f:]+/(32|40|48|56|64|96)$`).FindAllString(out, -1)); n != 6 {
		t.Errorf("%d prefixes, want 6:\n%s", n, out)
	}
}
