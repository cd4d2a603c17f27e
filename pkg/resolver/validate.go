package resolver

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Security is a DNSSEC verdict on an answer (RFC 4035 4.3).
type Security uint8

// The verdicts, as delv and unbound name them.
const (
	Indeterminate Security = iota // no trust anchor above the name, or the chain could not be fetched
	Insecure                      // a proven unsigned delegation (or an algorithm we do not know, RFC 6840 5.2)
	Secure                        // every RRset signed and chained to the trust anchor
	Bogus                         // should be signed and is not, or the signatures or the denial fail
)

func (s Security) String() string {
	return [...]string{"indeterminate", "insecure", "secure", "bogus"}[s]
}

// Verdict is the validation of one answer: the security, and for bogus
// the reason and the Extended DNS Error (RFC 8914) a validating server
// answers it with.
type Verdict struct {
	Security Security
	Reason   string
	EDE      uint16
}

// BogusError is the error of a resolution whose answer failed
// validation: the answer becomes SERVFAIL with the verdict's EDE.
type BogusError struct{ Verdict Verdict }

func (e *BogusError) Error() string { return "validation failure: " + e.Verdict.Reason }

// The bounds on a validation's work, so a hostile zone cannot make it
// spin (KeyTrap, CVE-2023-50387; NSEC3 hash exhaustion, CVE-2023-50868):
// keys with a signature's tag tried per signature, signatures tried per
// RRset, signature checks and NSEC3 hash iterations per resolution, and
// NSEC3 iterations above which a zone is treated as insecure (RFC 9276).
const (
	maxKeysPerSig      = 4
	maxSigsPerRRset    = 8
	maxVerifies        = 64
	maxNSEC3Iterations = 150
	maxHashWork        = 16 * (maxNSEC3Iterations + 1)
	maxNSEC3PerMsg     = 8
)

// RootAnchors are the IANA root KSKs' DS records (root-anchors.xml):
// KSK-2017 and KSK-2024.
var RootAnchors = []string{
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
}

// keyResult is what the chain of trust says of one zone: its keys when
// secure, and for +trace which key made them so.
type keyResult struct {
	keys []*dns.DNSKEY
	v    Verdict
	how  string
}

// keyCache holds the zones' key verdicts for the resolver's lifetime (one
// command: the TTLs do not matter here).
type keyCache struct {
	mu sync.Mutex
	m  map[string]keyResult
}

func (c *keyCache) get(zone string) (keyResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kr, ok := c.m[strings.ToLower(zone)]
	return kr, ok
}

func (c *keyCache) put(zone string, kr keyResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]keyResult{}
	}
	c.m[strings.ToLower(zone)] = kr
}

// validation is the state of one answer's validation: the work spent.
type validation struct {
	lk       *lookup
	ctx      context.Context
	depth    int
	verifies int
	hashWork int
	now      time.Time
}

func bogus(ede uint16, format string, args ...any) Verdict {
	return Verdict{Security: Bogus, Reason: fmt.Sprintf(format, args...), EDE: ede}
}

var secure = Verdict{Security: Secure}

// worst combines two verdicts: bogus over indeterminate over insecure
// over secure.
func worst(a, b Verdict) Verdict {
	rank := map[Security]int{Secure: 0, Insecure: 1, Indeterminate: 2, Bogus: 3}
	if rank[b.Security] > rank[a.Security] {
		return b
	}
	return a
}

// validate judges the answer m to qname/qtype: every RRset of its answer
// section, and for a negative answer (or a wildcard expansion) the denial
// in its authority section.
func (lk *lookup) validate(ctx context.Context, qname string, qtype uint16, m *dns.Msg, depth int) Verdict {
	v := &validation{lk: lk, ctx: ctx, depth: depth + 1, now: time.Now()}
	if m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
		return Verdict{Security: Indeterminate, Reason: "answer is " + dns.RcodeToString[m.Rcode]}
	}
	out := secure
	final := qname
	for _, set := range rrsets(m.Answer) {
		sigs := sigsFor(m.Answer, set)
		vr := v.rrset(set, sigs)
		if vr.Security == Secure {
			if wildcardOf(set[0].Header().Name, sigs) != "" {
				vr = v.wildcardProof(m, set[0].Header().Name, sigs[0])
			}
		}
		out = worst(out, vr)
		if c, ok := set[0].(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, final) {
			final = c.Target
		}
	}
	if hasType(m.Answer, final, qtype) && m.Rcode == dns.RcodeSuccess {
		return out
	}
	if len(m.Answer) > 0 && !hasType(m.Answer, final, dns.TypeCNAME) && m.Rcode == dns.RcodeSuccess && qtype != dns.TypeCNAME {
		// A DNAME's synthesised chain ends outside what we follow here.
		return out
	}
	return worst(out, v.denial(m, final, qtype))
}

// wildcardOf is the wildcard an RRset was expanded from, if its signature
// has fewer labels than its owner (RFC 4035 5.3.4), or "".
func wildcardOf(owner string, sigs []*dns.RRSIG) string {
	if len(sigs) == 0 {
		return ""
	}
	n := dns.CountLabel(owner)
	if strings.HasPrefix(owner, "*.") {
		n--
	}
	if int(sigs[0].Labels) >= n {
		return ""
	}
	return "*." + lastLabels(owner, int(sigs[0].Labels))
}

// rrsets groups rrs into RRsets, RRSIGs left out, in order of appearance.
func rrsets(rrs []dns.RR) [][]dns.RR {
	var out [][]dns.RR
	idx := map[string]int{}
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == dns.TypeRRSIG || h.Rrtype == dns.TypeOPT {
			continue
		}
		k := strings.ToLower(h.Name) + "/" + fmt.Sprint(h.Rrtype)
		if i, ok := idx[k]; ok {
			out[i] = append(out[i], rr)
			continue
		}
		idx[k] = len(out)
		out = append(out, []dns.RR{rr})
	}
	return out
}

// sigsFor are the RRSIGs in rrs over set.
func sigsFor(rrs []dns.RR, set []dns.RR) []*dns.RRSIG {
	h := set[0].Header()
	var out []*dns.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok && s.TypeCovered == h.Rrtype && strings.EqualFold(s.Hdr.Name, h.Name) {
			out = append(out, s)
		}
	}
	return out
}

// rrset judges one RRset: signed by its zone's keys, or in an insecure
// zone.
func (v *validation) rrset(set []dns.RR, sigs []*dns.RRSIG) Verdict {
	owner := set[0].Header().Name
	if len(sigs) == 0 {
		zone := v.zoneOf(owner, set[0].Header().Rrtype)
		kr := v.keys(zone)
		if kr.v.Security != Secure {
			return kr.v
		}
		return bogus(dns.ExtendedErrorCodeRRSIGsMissing, "no signature for %s %s in signed zone %s", owner, dns.TypeToString[set[0].Header().Rrtype], zone)
	}
	signer := sigs[0].SignerName
	if !dns.IsSubDomain(signer, owner) {
		return bogus(dns.ExtendedErrorCodeDNSBogus, "signer %s of %s is not above it", signer, owner)
	}
	kr := v.keys(signer)
	if kr.v.Security != Secure {
		return kr.v
	}
	return v.verify(set, sigs, kr.keys)
}

// zoneOf is the zone an unsigned RRset comes from, as the delegations the
// resolver followed say: the deepest known cut at or above owner (for DS,
// above it).
func (v *validation) zoneOf(owner string, rrtype uint16) string {
	if v.lk.r.cfg.Forward.IsValid() {
		return v.forwardZone(owner, rrtype)
	}
	if set, ok := v.lk.r.cache.closestDelegation(dsParent(owner, rrtype)); ok {
		return set.zone
	}
	return "."
}

// verify checks set against sigs with keys: one signature that verifies,
// from the right signer, over the right type, inside its validity period.
// The work is bounded: a few keys per signature tag, a few signatures per
// RRset, a budget per resolution.
func (v *validation) verify(set []dns.RR, sigs []*dns.RRSIG, keys []*dns.DNSKEY) Verdict {
	owner := set[0].Header().Name
	what := owner + " " + dns.TypeToString[set[0].Header().Rrtype]
	fail := bogus(dns.ExtendedErrorCodeDNSKEYMissing, "no DNSKEY matches the RRSIG of %s", what)
	supported := false
	for i, sig := range sigs {
		if i >= maxSigsPerRRset {
			break
		}
		if !algSupported(sig.Algorithm) {
			continue
		}
		supported = true
		if int(sig.Labels) > dns.CountLabel(strings.TrimPrefix(owner, "*.")) {
			fail = bogus(dns.ExtendedErrorCodeDNSBogus, "RRSIG of %s has more labels than its owner", what)
			continue
		}
		tried := 0
		for _, k := range keys {
			if k.KeyTag() != sig.KeyTag || k.Algorithm != sig.Algorithm || k.Protocol != 3 || k.Flags&dns.ZONE == 0 || !strings.EqualFold(k.Hdr.Name, sig.SignerName) {
				continue
			}
			if tried >= maxKeysPerSig {
				break
			}
			if v.verifies >= maxVerifies {
				return bogus(dns.ExtendedErrorCodeDNSBogus, "validation budget exhausted at %s (%d signature checks)", what, v.verifies)
			}
			tried++
			v.verifies++
			if err := sig.Verify(k, set); err != nil {
				fail = bogus(dns.ExtendedErrorCodeDNSBogus, "bad signature on %s: %v", what, err)
				continue
			}
			switch {
			case v.now.Before(sigTime(sig.Inception, v.now)):
				fail = bogus(dns.ExtendedErrorCodeSignatureNotYetValid, "RRSIG of %s not yet valid", what)
			case v.now.After(sigTime(sig.Expiration, v.now)):
				fail = bogus(dns.ExtendedErrorCodeSignatureExpired, "RRSIG of %s has expired", what)
			default:
				return secure
			}
		}
	}
	if !supported {
		return Verdict{Security: Insecure, Reason: "unsupported algorithm", EDE: dns.ExtendedErrorCodeUnsupportedDNSKEYAlgorithm}
	}
	return fail
}

// sigTime is an RRSIG's 32-bit time in the window around now (RFC 4034
// 3.1.5: serial number arithmetic).
func sigTime(t uint32, now time.Time) time.Time {
	d := int64(t) - now.Unix()
	d = int64(int32(uint32(d)))
	return now.Add(time.Duration(d) * time.Second)
}

// algSupported: the algorithms gdig validates, those RFC 8624 says a
// validator must (RSASHA1 and its NSEC3 alias too: delv and unbound
// validate them); any other makes its zone insecure (RFC 6840 5.2).
func algSupported(alg uint8) bool {
	switch alg {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519:
		return true
	}
	return false
}

// digestSupported: the DS digests gdig checks (SHA-1 as RFC 4509 still
// allows, SHA-256, SHA-384).
func digestSupported(d uint8) bool {
	return d == dns.SHA1 || d == dns.SHA256 || d == dns.SHA384
}

// fetch resolves name/qtype for the chain of trust.
func (v *validation) fetch(name string, qtype uint16) (*dns.Msg, error) {
	res, err := v.lk.resolve(v.ctx, dns.Fqdn(name), qtype, v.depth)
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// keys is the chain of trust's verdict on zone, with its keys when
// secure: from the trust anchor, or from the DS its parent signs.
func (v *validation) keys(zone string) keyResult {
	kc := &v.lk.r.keys
	if kr, ok := kc.get(zone); ok {
		return kr
	}
	kr := v.findKeys(zone)
	kc.put(zone, kr)
	note := kr.v.Security.String() + reasonNote(kr.v)
	if kr.how != "" {
		note += ": " + kr.how
	}
	v.lk.r.emit(Event{Kind: "dnssec", Depth: v.depth, Zone: zone, QType: "DNSKEY", Note: note})
	return kr
}

func reasonNote(vr Verdict) string {
	if vr.Reason == "" {
		return ""
	}
	return ": " + vr.Reason
}

func (v *validation) findKeys(zone string) keyResult {
	anchors := v.lk.r.anchors
	if len(anchors) == 0 {
		return keyResult{v: Verdict{Security: Indeterminate, Reason: "no trust anchor"}}
	}
	anchorZone := anchors[0].Header().Name
	if strings.EqualFold(zone, anchorZone) {
		return v.anchorKeys(zone, anchors)
	}
	if !dns.IsSubDomain(anchorZone, zone) {
		return keyResult{v: Verdict{Security: Indeterminate, Reason: "no trust anchor above " + zone}}
	}
	m, err := v.fetch(zone, dns.TypeDS)
	if err != nil {
		return keyResult{v: bogus(dns.ExtendedErrorCodeDNSBogus, "DS of %s: %v", zone, err)}
	}
	dsSet := ofType(m.Answer, zone, dns.TypeDS)
	if len(dsSet) == 0 {
		return keyResult{v: v.noDS(zone, m)}
	}
	sigs := sigsFor(m.Answer, dsSet)
	parent := parentName(zone)
	if len(sigs) > 0 {
		parent = sigs[0].SignerName
	}
	if !dns.IsSubDomain(parent, zone) || strings.EqualFold(parent, zone) {
		return keyResult{v: bogus(dns.ExtendedErrorCodeDNSBogus, "DS of %s signed by %s", zone, parent)}
	}
	pk := v.keys(parent)
	if pk.v.Security != Secure {
		return keyResult{v: pk.v}
	}
	if vr := v.verify(dsSet, sigs, pk.keys); vr.Security != Secure {
		return keyResult{v: vr}
	}
	var ds []*dns.DS
	for _, rr := range dsSet {
		if d := rr.(*dns.DS); algSupported(d.Algorithm) && digestSupported(d.DigestType) {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return keyResult{v: Verdict{Security: Insecure, Reason: "no DS of " + zone + " with a supported algorithm and digest"}}
	}
	return v.zoneKeys(zone, "the DS at "+parent, func(k *dns.DNSKEY) bool { return matchDS(k, ds) })
}

// anchorKeys are the keys of the trust anchor's zone: its DNSKEY RRset,
// signed by a key the anchor names.
func (v *validation) anchorKeys(zone string, anchors []dns.RR) keyResult {
	return v.zoneKeys(zone, "the trust anchor", func(k *dns.DNSKEY) bool {
		for _, a := range anchors {
			switch a := a.(type) {
			case *dns.DS:
				if matchDS(k, []*dns.DS{a}) {
					return true
				}
			case *dns.DNSKEY:
				if a.Algorithm == k.Algorithm && a.Flags == k.Flags && a.PublicKey == k.PublicKey {
					return true
				}
			}
		}
		return false
	})
}

// zoneKeys fetches zone's DNSKEY RRset and accepts it when one of the
// keys trusted (by DS or anchor: source) signs it.
func (v *validation) zoneKeys(zone, source string, trusted func(*dns.DNSKEY) bool) keyResult {
	m, err := v.fetch(zone, dns.TypeDNSKEY)
	if err != nil {
		return keyResult{v: bogus(dns.ExtendedErrorCodeDNSKEYMissing, "DNSKEY of %s: %v", zone, err)}
	}
	set := ofType(m.Answer, zone, dns.TypeDNSKEY)
	var all, sep []*dns.DNSKEY
	for _, rr := range set {
		k := rr.(*dns.DNSKEY)
		all = append(all, k)
		if trusted(k) {
			sep = append(sep, k)
		}
	}
	if len(sep) == 0 {
		return keyResult{v: bogus(dns.ExtendedErrorCodeDNSKEYMissing, "no DNSKEY of %s matches its DS", zone)}
	}
	if vr := v.verify(set, sigsFor(m.Answer, set), sep); vr.Security != Secure {
		if vr.Security == Insecure {
			return keyResult{v: vr}
		}
		return keyResult{v: bogus(vr.EDE, "DNSKEY of %s: %s", zone, vr.Reason)}
	}
	tags := make([]string, len(sep))
	for i, k := range sep {
		tags[i] = fmt.Sprint(k.KeyTag())
	}
	return keyResult{keys: all, v: secure, how: "DNSKEY " + strings.Join(tags, ", ") + " matches " + source}
}

// matchDS: k is the key one of ds digests.
func matchDS(k *dns.DNSKEY, ds []*dns.DS) bool {
	for _, d := range ds {
		if d.KeyTag != k.KeyTag() || d.Algorithm != k.Algorithm {
			continue
		}
		if kd := k.ToDS(d.DigestType); kd != nil && strings.EqualFold(kd.Digest, d.Digest) {
			return true
		}
	}
	return false
}

// noDS judges a zone whose parent has no DS for it: insecure when the
// parent is, or when the parent's signed denial proves the DS absent.
func (v *validation) noDS(zone string, m *dns.Msg) Verdict {
	parent := ""
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			parent = soa.Hdr.Name
		}
	}
	if parent == "" || !dns.IsSubDomain(parent, zone) || strings.EqualFold(parent, zone) {
		// A zone's own servers answering for its DS (no referral above):
		// judge from the name above.
		parent = parentName(zone)
	}
	pk := v.keys(parent)
	if pk.v.Security != Secure {
		return pk.v
	}
	if vr := v.authority(m, pk.keys); vr.Security != Secure {
		return vr
	}
	switch v.proveNoData(m, zone, dns.TypeDS) {
	case proven, provenOptOut:
		return Verdict{Security: Insecure, Reason: "no DS for " + zone}
	case nsec3TooCostly:
		return Verdict{Security: Insecure, Reason: "NSEC3 iterations above 150"}
	}
	// A zone whose parent says it does not exist (a signer name made up,
	// or a denial that does not hold) cannot be unsigned: bogus.
	return bogus(dns.ExtendedErrorCodeNSECMissing, "no proof that %s has no DS", zone)
}

// authority verifies the SOA, NSEC and NSEC3 RRsets of m's authority
// section with keys.
func (v *validation) authority(m *dns.Msg, keys []*dns.DNSKEY) Verdict {
	nsec3s := 0
	for _, set := range rrsets(m.Ns) {
		t := set[0].Header().Rrtype
		if t != dns.TypeSOA && t != dns.TypeNSEC && t != dns.TypeNSEC3 {
			continue
		}
		if t == dns.TypeNSEC3 {
			if nsec3s++; nsec3s > maxNSEC3PerMsg {
				return bogus(dns.ExtendedErrorCodeDNSBogus, "more than %d NSEC3 records in one answer", maxNSEC3PerMsg)
			}
		}
		sigs := sigsFor(m.Ns, set)
		if len(sigs) == 0 {
			return bogus(dns.ExtendedErrorCodeRRSIGsMissing, "no signature for %s %s", set[0].Header().Name, dns.TypeToString[t])
		}
		if vr := v.verify(set, sigs, keys); vr.Security != Secure {
			return vr
		}
	}
	return secure
}

// denial judges a negative answer (NXDOMAIN or NODATA) for name/qtype.
func (v *validation) denial(m *dns.Msg, name string, qtype uint16) Verdict {
	zone := ""
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			zone = soa.Hdr.Name
		}
	}
	if zone == "" {
		zone = v.zoneOf(name, qtype)
	}
	kr := v.keys(zone)
	if kr.v.Security != Secure {
		return kr.v
	}
	if vr := v.authority(m, kr.keys); vr.Security != Secure {
		return vr
	}
	var p proof
	if m.Rcode == dns.RcodeNameError {
		p = v.proveNXDomain(m, name)
	} else {
		p = v.proveNoData(m, name, qtype)
	}
	switch p {
	case proven:
		return secure
	case provenOptOut:
		return Verdict{Security: Insecure, Reason: "NSEC3 opt-out"}
	case nsec3TooCostly:
		return Verdict{Security: Insecure, Reason: "NSEC3 iterations above 150"}
	}
	what := "NODATA"
	if m.Rcode == dns.RcodeNameError {
		what = "NXDOMAIN"
	}
	return bogus(dns.ExtendedErrorCodeNSECMissing, "no valid %s proof for %s", what, name)
}

// wildcardProof: a wildcard-expanded answer must come with the proof that
// the name itself does not exist (RFC 4035 5.3.4).
func (v *validation) wildcardProof(m *dns.Msg, name string, sig *dns.RRSIG) Verdict {
	kr := v.keys(sig.SignerName)
	if vr := v.authority(m, kr.keys); vr.Security != Secure {
		return vr
	}
	// The next closer name: one label more than the wildcard's closest
	// encloser, which the signature's label count gives (RFC 5155 8.8).
	if v.nsecCovers(m, name) || v.nsec3Covered(m, lastLabels(name, int(sig.Labels)+1)) {
		return secure
	}
	return bogus(dns.ExtendedErrorCodeNSECMissing, "wildcard answer for %s without proof that the name does not exist", name)
}

// ofType are the records of rrs of name and type t.
func ofType(rrs []dns.RR, name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == t && strings.EqualFold(rr.Header().Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// parentName is name less its first label.
func parentName(name string) string {
	if name == "." {
		return "."
	}
	_, p, _ := strings.Cut(name, ".")
	return dns.Fqdn(p)
}

// judge validates a resolution's answer: AD on a secure one, SERVFAIL
// with the reason's EDE (a BogusError) for a bogus one, as a validating
// unbound answers.
func (lk *lookup) judge(ctx context.Context, qname string, qtype uint16, res *Result) (*Result, *Verdict, error) {
	vr := lk.validate(ctx, qname, qtype, res.Msg, 0)
	lk.r.emit(Event{Kind: "dnssec", QName: qname, QType: dns.TypeToString[qtype], Note: vr.Security.String() + reasonNote(vr)})
	switch vr.Security {
	case Bogus:
		return res, &vr, &BogusError{Verdict: vr}
	case Secure:
		m := res.Msg.Copy()
		m.AuthenticatedData = true
		res.Msg = m
	default:
		m := res.Msg.Copy()
		m.AuthenticatedData = false
		res.Msg = m
	}
	return res, &vr, nil
}

// parseAnchors reads trust anchors in presentation format (the IANA root's
// when none are given): DS or DNSKEY records, all of one zone.
func parseAnchors(in []dns.RR) ([]dns.RR, error) {
	if len(in) == 0 {
		for _, s := range RootAnchors {
			rr, err := dns.NewRR(s)
			if err != nil {
				return nil, err
			}
			in = append(in, rr)
		}
	}
	var out []dns.RR
	for _, rr := range in {
		switch rr.(type) {
		case *dns.DS, *dns.DNSKEY:
		default:
			continue
		}
		if !strings.EqualFold(rr.Header().Name, in[0].Header().Name) {
			return nil, fmt.Errorf("trust anchors for %s and %s: one zone only", in[0].Header().Name, rr.Header().Name)
		}
		out = append(out, rr)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no DS or DNSKEY record among the trust anchors")
	}
	return out, nil
}

// ReadAnchors parses a trust anchor file: DS or DNSKEY records in zone
// file syntax (as dnssec-keygen, ldns-keygen and unbound's auto-trust-anchor
// files write them; comments and other records skipped).
func ReadAnchors(r io.Reader, file string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(r, ".", file)
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch rr.(type) {
		case *dns.DS, *dns.DNSKEY:
			out = append(out, rr)
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no DS or DNSKEY record among the trust anchors", file)
	}
	return parseAnchors(out)
}
