package resolver

import (
	"context"
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testSigner signs RRsets of example. with one key the resolver already
// trusts (its key cache holds it), so validate judges messages without
// fetching anything.
type testSigner struct {
	key  *dns.DNSKEY
	priv crypto.Signer
	lk   *lookup
}

func newTestSigner(t *testing.T) *testSigner {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600}, Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{cache: newCache(10), anchors: []dns.RR{k}}
	r.keys.put("example.", keyResult{keys: []*dns.DNSKEY{k}, v: secure})
	return &testSigner{key: k, priv: priv.(crypto.Signer), lk: &lookup{r: r}}
}

// sign returns the records of lines (one RRset)
// and their RRSIG.
func (ts *testSigner) sign(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	var set []dns.RR
	for _, l := range lines {
		set = append(set, mustRR(t, l))
	}
	h := set[0].Header()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		KeyTag: ts.key.KeyTag(), SignerName: "example.", Algorithm: ts.key.Algorithm,
		Inception: uint32(time.Now().Add(-time.Hour).Unix()), Expiration: uint32(time.Now().Add(time.Hour).Unix())}
	if err := sig.Sign(ts.priv, set); err != nil {
		t.Fatal(err)
	}
	return append(set, sig)
}

const soaLine = "example. 300 IN SOA ns.example. h.example. 1 1 1 1 300"

// nsec3Line is an NSEC3 record of example. from name's hash to next's.
func nsec3Line(owner, next string, optOut bool, types string) string {
	flags := "0"
	if optOut {
		flags = "1"
	}
	return strings.ToLower(dns.HashName(owner, dns.SHA1, 0, "")) + ".example. 300 IN NSEC3 1 " + flags + " 0 - " + dns.HashName(next, dns.SHA1, 0, "") + " " + types
}

// TestDenial: NSEC and NSEC3 proofs as validate judges them, from signed
// messages, no server asked.
func TestDenial(t *testing.T) {
	ts := newTestSigner(t)
	join := func(sets ...[]dns.RR) []dns.RR {
		var out []dns.RR
		for _, s := range sets {
			out = append(out, s...)
		}
		return out
	}
	soa := ts.sign(t, soaLine)
	// The NSEC3 ring of a zone holding example. and www.example.
	ring := func(optOut bool) []dns.RR {
		a, b := "example.", "www.example."
		if dns.HashName(a, dns.SHA1, 0, "") > dns.HashName(b, dns.SHA1, 0, "") {
			a, b = b, a
		}
		return join(ts.sign(t, nsec3Line(a, b, optOut, "A NS SOA RRSIG DNSKEY NSEC3PARAM")), ts.sign(t, nsec3Line(b, a, optOut, "A NS SOA RRSIG DNSKEY NSEC3PARAM")))
	}
	for _, c := range []struct {
		name  string
		qname string
		qtype uint16
		rcode int
		ns    []dns.RR
		want  Security
		ede   uint16
	}{
		{"NSEC NXDOMAIN", "b.example.", dns.TypeA, dns.RcodeNameError,
			join(soa, ts.sign(t, "a.example. 300 IN NSEC c.example. A RRSIG NSEC"), ts.sign(t, "example. 300 IN NSEC a.example. SOA NS RRSIG NSEC DNSKEY")), Secure, 0},
		{"NSEC NXDOMAIN without the wildcard's", "b.example.", dns.TypeA, dns.RcodeNameError,
			join(soa, ts.sign(t, "a.example. 300 IN NSEC c.example. A RRSIG NSEC")), Bogus, dns.ExtendedErrorCodeNSECMissing},
		{"NSEC NODATA", "www.example.", dns.TypeTXT, dns.RcodeSuccess,
			join(soa, ts.sign(t, "www.example. 300 IN NSEC z.example. A RRSIG NSEC")), Secure, 0},
		{"NSEC NODATA that lists the type", "www.example.", dns.TypeA, dns.RcodeSuccess,
			join(soa, ts.sign(t, "www.example. 300 IN NSEC z.example. A RRSIG NSEC")), Bogus, dns.ExtendedErrorCodeNSECMissing},
		{"NSEC unsigned", "b.example.", dns.TypeA, dns.RcodeNameError,
			join(soa, []dns.RR{mustRR(t, "a.example. 300 IN NSEC c.example. A RRSIG NSEC")}), Bogus, dns.ExtendedErrorCodeRRSIGsMissing},
		{"NSEC3 NXDOMAIN", "b.example.", dns.TypeA, dns.RcodeNameError, join(soa, ring(false)), Secure, 0},
		{"NSEC3 NXDOMAIN opt-out", "b.example.", dns.TypeA, dns.RcodeNameError, join(soa, ring(true)), Insecure, 0},
		{"NSEC3 NODATA", "www.example.", dns.TypeTXT, dns.RcodeSuccess, join(soa, ring(false)), Secure, 0},
		{"NSEC3 NODATA that lists the type", "www.example.", dns.TypeA, dns.RcodeSuccess, join(soa, ring(false)), Bogus, dns.ExtendedErrorCodeNSECMissing},
		{"no proof at all", "b.example.", dns.TypeA, dns.RcodeNameError, soa, Bogus, dns.ExtendedErrorCodeNSECMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Rcode: c.rcode}, Ns: c.ns}
			m.Question = []dns.Question{{Name: c.qname, Qtype: c.qtype, Qclass: dns.ClassINET}}
			got := ts.lk.validate(context.Background(), c.qname, c.qtype, m, 0)
			if got.Security != c.want || (c.ede != 0 && got.EDE != c.ede) {
				t.Errorf("%v (EDE %d: %s), want %v (EDE %d)", got.Security, got.EDE, got.Reason, c.want, c.ede)
			}
		})
	}
}
