package resolver

import (
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The built-in root anchor's DS for KSK-2017 is the digest of the key
// BIND ships in bind.keys.
func TestRootAnchorMatchesKSK2017(t *testing.T) {
	k, err := dns.NewRR(". IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=")
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := parseAnchors(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !matchDS(k.(*dns.DNSKEY), []*dns.DS{anchors[0].(*dns.DS)}) {
		t.Errorf("KSK-2017 does not match %s", anchors[0])
	}
}

func TestCanonicalOrder(t *testing.T) {
	// RFC 4034 6.1's example, in order.
	names := []string{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."}
	for i := 0; i+1 < len(names); i++ {
		if canonicalCompare(names[i], names[i+1]) >= 0 {
			t.Errorf("%s not before %s", names[i], names[i+1])
		}
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		owner, next, name string
		want              bool
	}{
		{"a.example.", "c.example.", "b.example.", true},
		{"a.example.", "c.example.", "a.example.", false},
		{"a.example.", "c.example.", "x.b.example.", true},
		{"z.example.", "example.", "zz.example.", true}, // the last NSEC wraps to the apex
		{"z.example.", "example.", "other.", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := covers(c.owner, c.next, c.name); got != c.want {
				t.Errorf("covers(%s, %s, %s) = %v", c.owner, c.next, c.name, got)
			}
		})
	}
}

func TestSigTime(t *testing.T) {
	now := time.Unix(1<<32+100, 0) // after 2106: serial arithmetic wraps
	if got := sigTime(50, now); !got.Before(now) {
		t.Errorf("sigTime(50) = %v, want before %v", got, now)
	}
}

// signedSet is an A RRset signed by a fresh key of example., and the key.
func signedSet(t *testing.T, alg uint8, bits int) ([]dns.RR, *dns.RRSIG, *dns.DNSKEY) {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600}, Flags: 257, Protocol: 3, Algorithm: alg}
	priv, err := k.Generate(bits)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := dns.NewRR("www.example. 3600 IN A 192.0.2.1")
	set := []dns.RR{a}
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: "www.example.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 3600},
		KeyTag: k.KeyTag(), SignerName: "example.", Algorithm: alg,
		Inception: uint32(time.Now().Add(-time.Hour).Unix()), Expiration: uint32(time.Now().Add(time.Hour).Unix())}
	if err := sig.Sign(priv.(crypto.Signer), set); err != nil {
		t.Fatal(err)
	}
	return set, sig, k
}

func TestVerify(t *testing.T) {
	for _, c := range []struct {
		name string
		alg  uint8
		bits int
	}{
		{"RSASHA1", dns.RSASHA1, 2048}, {"RSASHA1-NSEC3-SHA1", dns.RSASHA1NSEC3SHA1, 2048},
		{"RSASHA256", dns.RSASHA256, 2048}, {"RSASHA512", dns.RSASHA512, 2048},
		{"ECDSAP256SHA256", dns.ECDSAP256SHA256, 256}, {"ECDSAP384SHA384", dns.ECDSAP384SHA384, 384}, {"ED25519", dns.ED25519, 256},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, sig, k := signedSet(t, c.alg, c.bits)
			v := &validation{now: time.Now()}
			if got := v.verify(set, []*dns.RRSIG{sig}, []*dns.DNSKEY{k}); got.Security != Secure {
				t.Errorf("verify: %+v", got)
			}
			v.now = time.Now().Add(2 * time.Hour)
			if got := v.verify(set, []*dns.RRSIG{sig}, []*dns.DNSKEY{k}); got.EDE != dns.ExtendedErrorCodeSignatureExpired {
				t.Errorf("expired: %+v", got)
			}
			v.now = time.Now().Add(-2 * time.Hour)
			if got := v.verify(set, []*dns.RRSIG{sig}, []*dns.DNSKEY{k}); got.EDE != dns.ExtendedErrorCodeSignatureNotYetValid {
				t.Errorf("not yet valid: %+v", got)
			}
		})
	}
	t.Run("unsupported algorithm is insecure", func(t *testing.T) {
		set, sig, k := signedSet(t, dns.ECDSAP256SHA256, 256)
		sig.Algorithm = 253 // PRIVATEDNS
		v := &validation{now: time.Now()}
		if got := v.verify(set, []*dns.RRSIG{sig}, []*dns.DNSKEY{k}); got.Security != Insecure {
			t.Errorf("verify: %+v", got)
		}
	})
}

// collidingKeys are n keys with k's tag and algorithm but other public
// keys: the tag is a sum of 16-bit words, so swapping two bytes of the
// same parity keeps it (CVE-2023-50387's colliding tags).
func collidingKeys(t *testing.T, k *dns.DNSKEY, n int) []*dns.DNSKEY {
	t.Helper()
	pub := k.PublicKey
	var out []*dns.DNSKEY
	seen := map[string]bool{pub: true}
	b := []byte(mustDecode(t, pub))
	for i := 0; len(out) < n && i+2 < len(b); i++ {
		for j := i + 2; len(out) < n && j < len(b); j += 2 {
			c := append([]byte(nil), b...)
			c[i], c[j] = c[j], c[i]
			s := toBase64(c)
			if seen[s] {
				continue
			}
			seen[s] = true
			nk := *k
			nk.PublicKey = s
			if nk.KeyTag() != k.KeyTag() {
				t.Fatalf("tag %d, want %d", nk.KeyTag(), k.KeyTag())
			}
			out = append(out, &nk)
		}
	}
	return out
}

// TestKeyTrapBounded: an RRset with many signatures, each with a tag
// shared by hundreds of keys none of which made it, costs a fixed number
// of signature checks and little time, and is bogus (CVE-2023-50387).
func TestKeyTrapBounded(t *testing.T) {
	set, sig, k := signedSet(t, dns.ECDSAP256SHA256, 256)
	keys := collidingKeys(t, k, 500)
	var sigs []*dns.RRSIG
	for i := 0; i < 100; i++ {
		s := *sig
		s.Signature = strings.Repeat("A", len(sig.Signature)-4) + "AA=="
		sigs = append(sigs, &s)
	}
	v := &validation{now: time.Now()}
	start := time.Now()
	got := v.verify(set, sigs, keys)
	took := time.Since(start)
	if got.Security != Bogus {
		t.Errorf("verdict %+v, want bogus", got)
	}
	if v.verifies > maxSigsPerRRset*maxKeysPerSig {
		t.Errorf("%d signature checks, want at most %d", v.verifies, maxSigsPerRRset*maxKeysPerSig)
	}
	if took > time.Second {
		t.Errorf("took %v", took)
	}
	t.Logf("%d keys x %d signatures: %d checks in %v: %s", len(keys), len(sigs), v.verifies, took, got.Reason)
	// Across a resolution the budget holds too: RRset after RRset, the
	// checks stop at maxVerifies.
	for i := 0; i < 20; i++ {
		v.verify(set, sigs, keys)
	}
	if v.verifies > maxVerifies {
		t.Errorf("%d checks in one resolution, want at most %d", v.verifies, maxVerifies)
	}
	// The right key among the colliding ones still validates, within the
	// bound, when it comes among the first tried.
	v = &validation{now: time.Now()}
	if got := v.verify(set, []*dns.RRSIG{sig}, append([]*dns.DNSKEY{keys[0], keys[1], k}, keys[2:]...)); got.Security != Secure {
		t.Errorf("with the right key third: %+v", got)
	}
}

// TestNSEC3HashBounded: a denial with many NSEC3 records of 150
// iterations, for a name of many labels, stops at the hash budget
// (CVE-2023-50868); more than 150 iterations is insecure at once.
func TestNSEC3HashBounded(t *testing.T) {
	m := new(dns.Msg)
	for i := 0; i < 50; i++ {
		m.Ns = append(m.Ns, &dns.NSEC3{Hdr: dns.RR_Header{Name: fmt.Sprintf("%032d.example.", i), Rrtype: dns.TypeNSEC3, Class: dns.ClassINET},
			Hash: dns.SHA1, Iterations: 150, Salt: "AABBCCDD", NextDomain: fmt.Sprintf("%032d", i)})
	}
	name := strings.Repeat("a.", 120) + "example."
	v := &validation{now: time.Now()}
	start := time.Now()
	p := v.proveNXDomain(m, name)
	if p == proven {
		t.Error("proven")
	}
	if v.hashWork > maxHashWork {
		t.Errorf("hash work %d, budget %d", v.hashWork, maxHashWork)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v", took)
	}
	t.Logf("%d labels, %d NSEC3: %d hash iterations", dns.CountLabel(name), len(m.Ns), v.hashWork)
	m.Ns[0].(*dns.NSEC3).Iterations = 151
	if p := (&validation{}).proveNXDomain(m, name); p != nsec3TooCostly {
		t.Errorf("151 iterations: %v, want insecure (nsec3TooCostly)", p)
	}
}

// TestValidateWithoutAnchor: with no trust anchor above the name the
// verdict is indeterminate, and nothing is fetched.
func TestValidateWithoutAnchor(t *testing.T) {
	r := &Resolver{anchors: []dns.RR{mustRR(t, "lab. IN DS 1 13 2 AAAA")}}
	lk := &lookup{r: r}
	m := new(dns.Msg)
	m.Answer = []dns.RR{mustRR(t, "www.example. 60 IN A 192.0.2.1")}
	m.Answer = append(m.Answer, &dns.RRSIG{Hdr: dns.RR_Header{Name: "www.example.", Rrtype: dns.TypeRRSIG}, TypeCovered: dns.TypeA, SignerName: "example.", Labels: 2})
	if got := lk.validate(context.Background(), "www.example.", dns.TypeA, m, 0); got.Security != Indeterminate {
		t.Errorf("%+v", got)
	}
}

func mustDecode(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
