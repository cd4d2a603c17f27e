package netlab

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// SignedZone is a zone below lab. in a signed hierarchy (NewSignedDNS),
// and what to break in it. Its parent (the name less its first label)
// gets its delegation and, unless it is Unsigned, its DS.
type SignedZone struct {
	Zone
	Unsigned bool   // served unsigned: an insecure delegation
	NSEC3    string // ldns-signzone's NSEC3 flags ("-n -t 0", "-n -t 0 -p" for opt-out); "" for NSEC
	// Algorithm is ldns-keygen's name for the zone's keys' algorithm
	// ("RSASHA1", "RSASHA1-NSEC3-SHA1"; RSA keys of 2048 bits); "" for
	// ECDSAP256SHA256.
	Algorithm string
	Expired   bool   // signatures that ended three days ago
	WrongDS   bool   // the parent's DS matches no key of the zone
	WrongKey  string // an owner whose A RRSIG is made by a key the zone does not publish
	Drop      string // an owner whose records go after signing, its NSEC kept: a wrong denial
	// DS, when set, says Records are signed already (by the caller, as
	// an attack zone is) and is the DS the parent holds for them.
	DS string
}

// SignedDNSConfig is a signed hierarchy: a root served by Servers[0], lab.
// by Servers[1], and Zones below lab. on the servers they name, each
// parent before its children.
type SignedDNSConfig struct {
	Servers []string
	Zones   []SignedZone
}

// SignedDNS is a DNS hierarchy whose root, lab. and zones are signed
// (ldns-keygen, ldns-signzone; a KSK and a ZSK per zone, ECDSAP256SHA256
// unless the zone names another algorithm),
// and the files a validator needs to trust its root.
type SignedDNS struct {
	*DNS
	Dir      string // the keys, zone files and the files below
	Hints    string // root hints naming the lab root
	Anchor   string // the lab root's KSK as a DS record (gdig --trust-anchor, unbound trust-anchor-file)
	BindKeys string // the same anchor in bind.keys syntax (delv -a)
}

// NewSignedDNS signs cfg's zones, lab. and the root, and serves them as
// NewDNS does. Signatures run from a day ago to 30 days ahead.
func (l *Lab) NewSignedDNS(cfg SignedDNSConfig) (*SignedDNS, error) {
	for _, tool := range []string{"ldns-keygen", "ldns-signzone"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s (Debian package ldnsutils) not installed: %w", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "gnetlab-dnssec-")
	if err != nil {
		return nil, err
	}
	l.Defer(func() { os.RemoveAll(dir) })
	now := time.Now()
	sg := signer{dir: dir, inception: now.Add(-24 * time.Hour), expiration: now.Add(30 * 24 * time.Hour)}
	zones, parents, err := sg.children(cfg.Zones)
	if err != nil {
		return nil, err
	}
	root, tld := cfg.Servers[0], cfg.Servers[1]
	glue := map[string]string{}
	for i, s := range cfg.Servers {
		glue[s] = fmt.Sprintf("%s.ns.lab. IN A %s", s, nthAddrString("198.19.0.0/24", i+2))
	}
	labRecs := parents["lab."]
	for _, s := range cfg.Servers {
		labRecs = append(labRecs, glue[s])
	}
	lab, labDS, err := sg.sign(SignedZone{Zone: Zone{Origin: "lab.", Servers: []string{tld}, Records: labRecs}})
	if err != nil {
		return nil, err
	}
	rootRecs := []string{"lab. IN NS " + tld + ".ns.lab.", glue[root], glue[tld], labDS}
	top, rootDS, err := sg.sign(SignedZone{Zone: Zone{Origin: ".", Servers: []string{root}, Records: rootRecs}})
	if err != nil {
		return nil, err
	}
	d, err := l.NewDNS(DNSConfig{Servers: cfg.Servers, Zones: append(zones, lab, top)})
	if err != nil {
		return nil, err
	}
	s := &SignedDNS{DNS: d, Dir: dir, Hints: filepath.Join(dir, "root.hints"), Anchor: filepath.Join(dir, "anchor.ds"), BindKeys: filepath.Join(dir, "bind.keys")}
	return s, s.writeAnchors(rootDS)
}

// children signs zones, the deepest first so that each parent is signed
// with its children's DS. It returns them, and the delegation and DS
// records each parent not among them (lab.) must hold.
func (sg signer) children(zones []SignedZone) ([]Zone, map[string][]string, error) {
	parents := map[string][]string{}
	var out []Zone
	for i := len(zones) - 1; i >= 0; i-- {
		z := zones[i]
		z.Records = append(append([]string{}, z.Records...), parents[z.Origin]...)
		delete(parents, z.Origin)
		signed, ds, err := sg.sign(z)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, signed)
		parent := strings.SplitN(z.Origin, ".", 2)[1]
		for _, s := range z.Servers {
			parents[parent] = append(parents[parent], z.Origin+" IN NS "+s+".ns.lab.")
		}
		if ds != "" {
			parents[parent] = append(parents[parent], ds)
		}
	}
	return out, parents, nil
}

// signer signs lab zones in dir with one validity period.
type signer struct {
	dir                   string
	inception, expiration time.Time
}

// sign signs z as it asks and returns the zone to serve (its signed
// records, less the SOA and apex NS the lab writes itself) and its DS for
// the parent ("" for an unsigned zone).
func (sg signer) sign(z SignedZone) (Zone, string, error) {
	switch {
	case z.DS != "":
		return z.Zone, z.DS, nil
	case z.Unsigned:
		return z.Zone, "", nil
	}
	ksk, err := sg.keygen(z.Origin, z.Algorithm, true)
	if err != nil {
		return Zone{}, "", err
	}
	zsk, err := sg.keygen(z.Origin, z.Algorithm, false)
	if err != nil {
		return Zone{}, "", err
	}
	inc, exp := sg.inception, sg.expiration
	if z.Expired {
		now := time.Now()
		// Three days: a validator forgives a day of clock skew at most
		// (unbound's val-sig-skew-max), and one day ago was, now and
		// then, secure for unbound.
		inc, exp = now.Add(-30*24*time.Hour), now.Add(-3*24*time.Hour)
	}
	signed, err := sg.signzone(z, inc, exp, ksk, zsk)
	if err != nil {
		return Zone{}, "", err
	}
	if z.WrongKey != "" {
		other, err := sg.keygen(z.Origin, z.Algorithm, false)
		if err != nil {
			return Zone{}, "", err
		}
		alt, err := sg.signzone(z, inc, exp, ksk, other)
		if err != nil {
			return Zone{}, "", err
		}
		signed = swapSig(signed, alt, z.WrongKey)
	}
	if z.Drop != "" {
		signed = dropName(signed, z.Drop)
	}
	if z.WrongDS {
		if ksk, err = sg.keygen(z.Origin, z.Algorithm, true); err != nil {
			return Zone{}, "", err
		}
	}
	ds, err := os.ReadFile(filepath.Join(sg.dir, ksk+".ds"))
	return Zone{Origin: z.Origin, Servers: z.Servers, Records: signed}, strings.TrimSpace(string(ds)), err
}

// keygen makes a key of alg (ECDSAP256SHA256 when "") for origin (a KSK
// or a ZSK) and returns its base name; ldns-keygen writes its DS beside
// it.
func (sg signer) keygen(origin, alg string, ksk bool) (string, error) {
	if alg == "" {
		alg = "ECDSAP256SHA256"
	}
	args := []string{"-a", alg}
	if strings.HasPrefix(alg, "RSA") {
		args = append(args, "-b", "2048")
	}
	if ksk {
		args = append(args, "-k")
	}
	cmd := exec.Command("ldns-keygen", append(args, origin)...)
	cmd.Dir = sg.dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("ldns-keygen %s: %v", origin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// signzone signs the zone file the lab will serve for z (zoneText: the
// SOA and NS the signatures must cover) with keys, and returns the signed
// records less that SOA and apex NS.
func (sg signer) signzone(z SignedZone, inception, expiration time.Time, keys ...string) ([]string, error) {
	file := filepath.Join(sg.dir, "z"+strings.TrimSuffix(z.Origin, ".")+".zone")
	if err := os.WriteFile(file, []byte(zoneText(z.Zone)), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-i", inception.UTC().Format("20060102150405"), "-e", expiration.UTC().Format("20060102150405"), "-f", file + ".signed", "-o", z.Origin}
	args = append(append(append(args, strings.Fields(z.NSEC3)...), file), keys...)
	cmd := exec.Command("ldns-signzone", args...)
	cmd.Dir = sg.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ldns-signzone %v: %v: %s", args, err, out)
	}
	f, err := os.Open(file + ".signed")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		fs := strings.Fields(l)
		if len(fs) < 4 || strings.HasPrefix(l, ";") || fs[3] == "SOA" || (fs[3] == "NS" && strings.EqualFold(fs[0], z.Origin)) {
			continue
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// swapSig puts alt's RRSIGs over owner's A records in place of signed's.
func swapSig(signed, alt []string, owner string) []string {
	var out []string
	isSig := func(l string) bool {
		fs := strings.Fields(l)
		return strings.EqualFold(fs[0], owner) && fs[3] == "RRSIG" && fs[4] == "A"
	}
	for _, l := range signed {
		if !isSig(l) {
			out = append(out, l)
		}
	}
	for _, l := range alt {
		if isSig(l) {
			out = append(out, l)
		}
	}
	return out
}

// dropName removes owner's records but its NSEC (and that NSEC's RRSIG).
func dropName(signed []string, owner string) []string {
	var out []string
	for _, l := range signed {
		fs := strings.Fields(l)
		if strings.EqualFold(fs[0], owner) && fs[3] != "NSEC" && !(fs[3] == "RRSIG" && fs[4] == "NSEC") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// writeAnchors writes the root hints and the root's DS, as a DS record
// and in bind.keys syntax.
func (s *SignedDNS) writeAnchors(rootDS string) error {
	keys, err := bindKeys(rootDS)
	if err != nil {
		return err
	}
	for path, text := range map[string]string{s.Hints: s.RootHints(), s.Anchor: rootDS + "\n", s.BindKeys: keys} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bindKeys is a DS record as a static trust anchor in bind.keys syntax,
// which delv -a reads.
func bindKeys(ds string) (string, error) {
	fs := strings.Fields(ds) // ". [ttl] [IN] DS tag alg digesttype digest"
	n := len(fs)
	if n < 6 || !strings.EqualFold(fs[n-5], "DS") {
		return "", fmt.Errorf("trust anchor %q: not a DS record", ds)
	}
	return fmt.Sprintf("trust-anchors {\n  %q static-ds %s %s %s %q;\n};\n", fs[0], fs[n-4], fs[n-3], fs[n-2], fs[n-1]), nil
}

// WriteUnboundConf writes dir/unbound.conf: unbound on the client's
// 127.0.0.1:53, iterating from the lab's hints and validating from its
// anchor, with Extended DNS Errors; its log and pid file go in dir too.
// It returns the file's path, for `unbound -d -c`.
func (s *SignedDNS) WriteUnboundConf(dir string) (string, error) {
	conf := fmt.Sprintf(`server:
  interface: 127.0.0.1
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: %q
  root-hints: %q
  trust-anchor-file: %q
  module-config: "validator iterator"
  use-syslog: no
  logfile: %q
  access-control: 127.0.0.0/8 allow
  ede: yes
  val-log-level: 2
  trust-anchor-signaling: no
  root-key-sentinel: no
remote-control:
  control-enable: no
`, dir, filepath.Join(dir, "unbound.pid"), s.Hints, s.Anchor, filepath.Join(dir, "unbound.log"))
	path := filepath.Join(dir, "unbound.conf")
	return path, os.WriteFile(path, []byte(conf), 0o644)
}
