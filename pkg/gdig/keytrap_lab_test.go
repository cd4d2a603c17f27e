package gdig

import (
	"crypto"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// keyTrapZone is a zone built as KeyTrap (CVE-2023-50387) builds one:
// a DNSKEY RRset, properly signed by its KSK, that holds 300 keys sharing
// the ZSK's key tag (its public key with bytes of the same parity
// swapped, which keeps the tag), and www's A RRset under 60 signatures
// with that tag, none of which verifies. A validator that tries every
// key with every signature does 18,000 checks; the answer is bogus.
func keyTrapZone(t *testing.T, origin string) (records []string, ds string) {
	t.Helper()
	hdr := dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600}
	ksk := &dns.DNSKEY{Hdr: hdr, Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	kskPriv, err := ksk.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	zsk := &dns.DNSKEY{Hdr: hdr, Flags: 256, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	if _, err := zsk.Generate(256); err != nil {
		t.Fatal(err)
	}
	keys := []dns.RR{ksk, zsk}
	pub, _ := base64.StdEncoding.DecodeString(zsk.PublicKey)
	seen := map[string]bool{zsk.PublicKey: true}
	for i := 0; len(keys) < 302 && i < len(pub); i++ {
		for j := i + 2; len(keys) < 302 && j < len(pub); j += 2 {
			c := append([]byte(nil), pub...)
			c[i], c[j] = c[j], c[i]
			k := *zsk
			k.PublicKey = base64.StdEncoding.EncodeToString(c)
			if seen[k.PublicKey] || k.KeyTag() != zsk.KeyTag() {
				continue
			}
			seen[k.PublicKey] = true
			keys = append(keys, &k)
		}
	}
	now := time.Now()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 3600},
		KeyTag: ksk.KeyTag(), SignerName: origin, Algorithm: ksk.Algorithm,
		Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(now.Add(24 * time.Hour).Unix())}
	if err := sig.Sign(kskPriv.(crypto.Signer), keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		records = append(records, k.String())
	}
	records = append(records, sig.String(), "www."+origin+" 3600 IN A 192.0.2.80")
	for i := 0; i < 60; i++ {
		bad := *sig
		bad.Hdr.Name, bad.TypeCovered, bad.Labels, bad.KeyTag = "www."+origin, dns.TypeA, uint8(dns.CountLabel("www."+origin)), zsk.KeyTag()
		bad.Signature = base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune('A'+i%26)), 64)))
		records = append(records, bad.String())
	}
	return records, ksk.ToDS(dns.SHA256).String()
}

// TestLabKeyTrap: gdig +validate answers the KeyTrap zone bogus within
// its budget and in well under a second, as unbound answers SERVFAIL.
func TestLabKeyTrap(t *testing.T) {
	s := signedHierarchy(t)
	startValidatingUnbound(t, s)
	d, hints, anchor := s.DNS, s.Hints, s.Anchor
	// A first lookup elsewhere: neighbour discovery is not the zone's cost.
	d.Client.RunTool(t, Run, "--root-hints", hints, "www.example.lab")
	start := time.Now()
	out, errOut, code := d.Client.RunTool(t, Run, "--root-hints", hints, "--trust-anchor", anchor, "+validate", "www.keytrap.lab", "A")
	took := time.Since(start)
	if code != 1 || !strings.Contains(out, "status: SERVFAIL") || !strings.Contains(out, ";; resolution failed:") {
		t.Errorf("exit %d, want 1 and SERVFAIL\n%s%s", code, out, errOut)
	}
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	start = time.Now()
	ub, _ := d.Client.CombinedOutput(t, "dig", "@127.0.0.1", "+time=10", "+tries=1", "www.keytrap.lab", "A")
	ubTook := time.Since(start)
	if !strings.Contains(ub, "status: SERVFAIL") {
		t.Errorf("unbound did not answer SERVFAIL\n%s", ub)
	}
	t.Logf("gdig %v: %s", took.Round(time.Millisecond), verdictLine(out))
	t.Logf("unbound %v: SERVFAIL", ubTook.Round(time.Millisecond))
}

func verdictLine(out string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	return line
}
