package netlab

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Zone is one DNS zone of the lab's hierarchy: its origin and its records
// in zone-file syntax (names relative to the origin or absolute). SOA and
// the apex NS records are added by the lab.
type Zone struct {
	Origin  string   // "." , "lab.", "example.lab."
	Servers []string // short names of the name servers that serve it
	Records []string
}

// NameServer is one authoritative server of the hierarchy: an nsd process
// in its own namespace on the DNS segment.
type NameServer struct {
	Name  string // short name, also the server's host name under ns.lab.
	NS    *NS
	Addr4 string
	Addr6 string
	Dead  bool // has an address but answers nothing (a dead server)
	V6    bool // serves on its IPv6 address only
	dir   string
}

// DNS is a DNS hierarchy in the lab: authoritative servers on a bridged
// segment, a client namespace on the same segment, and the root hints
// that name the lab's own root servers. Nothing in it knows the real root.
type DNS struct {
	Segment *Segment
	Client  *NS
	Servers map[string]*NameServer
	Zones   []Zone
}

// DNSConfig lists the servers (by short name; the first hosts come after
// the client on the segment) and the zones they serve.
type DNSConfig struct {
	Servers []string
	Dead    []string // servers that are on the segment but serve nothing
	V6Only  []string // servers that serve on their IPv6 address only
	Zones   []Zone
	// Loss is what every server's link to the segment loses, each direction
	// of each link with a seed of its own; the client's link loses nothing.
	Loss Loss
}

// NewDNS builds the hierarchy: a segment with a client and one namespace per
// server, nsd started in each with the zones it serves.
func (l *Lab) NewDNS(cfg DNSConfig) (*DNS, error) {
	if _, err := exec.LookPath("nsd"); err != nil {
		return nil, fmt.Errorf("nsd (Debian package nsd) not installed: %w", err)
	}
	loss := map[int]Loss{}
	for i := 1; i <= len(cfg.Servers)+len(cfg.Dead); i++ {
		loss[i] = cfg.Loss
	}
	seg, err := l.NewSegment(SegmentConfig{Hosts: 1 + len(cfg.Servers) + len(cfg.Dead), Loss: loss})
	if err != nil {
		return nil, err
	}
	d := &DNS{Segment: seg, Client: seg.Hosts[0], Servers: map[string]*NameServer{}, Zones: cfg.Zones}
	names := append(append([]string{}, cfg.Servers...), cfg.Dead...)
	for i, name := range names {
		d.Servers[name] = &NameServer{Name: name, NS: seg.Hosts[i+1], Addr4: seg.Addr4(i + 1), Addr6: seg.Addr6(i + 1), Dead: i >= len(cfg.Servers)}
	}
	for _, name := range cfg.V6Only {
		if s, ok := d.Servers[name]; ok {
			s.V6 = true
		}
	}
	// dig +trace looks the servers' names up through the system resolver:
	// the client's /etc/hosts knows them (and nothing leaves the lab).
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1 localhost\n::1 localhost\n")
	for _, name := range names {
		s := d.Servers[name]
		fmt.Fprintf(&hosts, "%s %s.ns.lab\n%s %s.ns.lab\n", s.Addr4, name, s.Addr6, name)
	}
	if err := d.Client.WriteEtc("hosts", []byte(hosts.String())); err != nil {
		return nil, err
	}
	for _, name := range cfg.Servers {
		if err := d.startNSD(l, d.Servers[name]); err != nil {
			return nil, err
		}
	}
	for _, name := range cfg.Servers {
		if err := d.waitServing(d.Servers[name]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// zoneText renders a zone file: SOA, NS for every server of the zone, the
// records, and glue for servers named inside the zone.
func zoneText(z Zone) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n", z.Origin)
	fmt.Fprintf(&b, "@ IN SOA %s.ns.lab. hostmaster.lab. 1 3600 600 86400 300\n", z.Servers[0])
	for _, s := range z.Servers {
		fmt.Fprintf(&b, "@ IN NS %s.ns.lab.\n", s)
	}
	for _, r := range z.Records {
		b.WriteString(r + "\n")
	}
	return b.String()
}

func (d *DNS) startNSD(l *Lab, s *NameServer) error {
	dir, err := os.MkdirTemp("", "gnetlab-nsd-"+s.Name+"-")
	if err != nil {
		return err
	}
	s.dir = dir
	l.Defer(func() { os.RemoveAll(dir) })
	var conf strings.Builder
	conf.WriteString("server:\n")
	if !s.V6 {
		fmt.Fprintf(&conf, "  ip-address: %s\n", s.Addr4)
	}
	fmt.Fprintf(&conf, "  ip-address: %s\n  port: 53\n  username: \"\"\n  chroot: \"\"\n", s.Addr6)
	fmt.Fprintf(&conf, "  zonesdir: %q\n  pidfile: %q\n  database: \"\"\n  xfrdfile: %q\n  zonelistfile: %q\n  logfile: %q\n",
		dir, filepath.Join(dir, "nsd.pid"), filepath.Join(dir, "xfrd.state"), filepath.Join(dir, "zone.list"), filepath.Join(dir, "nsd.log"))
	conf.WriteString("  hide-version: yes\n  verbosity: 1\n  server-count: 1\n  reuseport: no\n  refuse-any: no\n")
	// Each server names itself in NSID (RFC 5001) when asked: +nsid.
	fmt.Fprintf(&conf, "  nsid: \"ascii_%s\"\n", s.Name)
	conf.WriteString("remote-control:\n  control-enable: no\n")
	for i, z := range d.Zones {
		serves := false
		for _, n := range z.Servers {
			serves = serves || n == s.Name
		}
		if !serves {
			continue
		}
		file := fmt.Sprintf("zone%d.zone", i)
		if err := os.WriteFile(filepath.Join(dir, file), []byte(zoneText(z)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&conf, "zone:\n  name: %q\n  zonefile: %q\n", z.Origin, file)
	}
	confPath := filepath.Join(dir, "nsd.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		return err
	}
	cmd := s.NS.Command(context.Background(), "nsd", "-d", "-c", confPath)
	cmd.Stdout, cmd.Stderr = nil, nil
	return s.NS.Start(cmd)
}

// waitServing waits until the server answers on TCP port 53.
func (d *DNS) waitServing(s *NameServer) error {
	addr := s.Addr4
	if s.V6 {
		addr = s.Addr6
	}
	if err := s.NS.WaitTCP(net.JoinHostPort(addr, "53"), 10*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "nsd.log"))
		return fmt.Errorf("nsd on %s (%s) did not start: %v: %s", s.Name, s.Addr4, err, log)
	}
	return nil
}

// RootHints is a named.root-style file naming the lab's root servers:
// every server that serves ".".
func (d *DNS) RootHints() string {
	var b strings.Builder
	var roots []string
	for _, z := range d.Zones {
		if z.Origin == "." {
			roots = append(roots, z.Servers...)
		}
	}
	sort.Strings(roots)
	for _, r := range roots {
		fmt.Fprintf(&b, ".\t3600000\tNS\t%s.ns.lab.\n", r)
	}
	for _, r := range roots {
		s := d.Servers[r]
		fmt.Fprintf(&b, "%s.ns.lab.\t3600000\tA\t%s\n%s.ns.lab.\t3600000\tAAAA\t%s\n", r, s.Addr4, r, s.Addr6)
	}
	return b.String()
}

// Glue returns the A and AAAA records of the named servers, for a parent
// zone's delegation (the name servers all live under ns.lab.).
func (d *DNS) Glue(names ...string) []string {
	var out []string
	for _, n := range names {
		s := d.Servers[n]
		out = append(out, fmt.Sprintf("%s.ns.lab. IN A %s", n, s.Addr4), fmt.Sprintf("%s.ns.lab. IN AAAA %s", n, s.Addr6))
	}
	return out
}

// nthAddrString is the n-th address of a prefix, as the segment assigns them.
func nthAddrString(prefix string, n int) string {
	_, p, err := net.ParseCIDR(prefix)
	if err != nil {
		return ""
	}
	return nthAddr(p, n)
}

// NewStandardDNS is the DNS the demo and the benchmark use: two lab roots, lab.
// and test., a zone of ordinary records and a delegation whose name server
// is named under the other TLD without glue. It returns the hierarchy and
// the path of a root hints file naming the lab's roots. extra records go
// into example.lab.
func (l *Lab) NewStandardDNS(extra ...string) (*DNS, string, error) {
	return l.NewStandardDNSWith(StandardDNSConfig{Extra: extra})
}

// StandardDNSConfig varies NewStandardDNS's hierarchy.
type StandardDNSConfig struct {
	Extra []string // records added to example.lab.
	Loss  Loss     // lost on every server's link, as DNSConfig.Loss
}

// NewStandardDNSWith is NewStandardDNS with cfg's extra records and loss.
func (l *Lab) NewStandardDNSWith(cfg StandardDNSConfig) (*DNS, string, error) {
	extra := cfg.Extra
	servers := []string{"root1", "root2", "tld", "tld2", "auth", "auth2"}
	glue := func(names ...string) []string {
		var out []string
		for _, n := range names {
			i := 0
			for j, s := range servers {
				if s == n {
					i = j
				}
			}
			out = append(out, fmt.Sprintf("%s.ns.lab. IN A 198.19.0.%d", n, i+2))
		}
		return out
	}
	d, err := l.NewDNS(DNSConfig{Servers: servers, Zones: []Zone{
		{Origin: ".", Servers: []string{"root1", "root2"}, Records: append([]string{"lab. IN NS tld.ns.lab.", "test. IN NS tld2.ns.lab."}, glue("root1", "root2", "tld", "tld2")...)},
		{Origin: "lab.", Servers: []string{"tld"}, Records: append([]string{"example IN NS auth.ns.lab.", "nogl IN NS ns.other.test."}, glue(servers...)...)},
		{Origin: "test.", Servers: []string{"tld2"}, Records: []string{"other IN NS auth2.ns.lab."}},
		{Origin: "example.lab.", Servers: []string{"auth"}, Records: append([]string{"www IN A 192.0.2.80", "www IN AAAA 2001:db8::80", "@ IN MX 10 mail", "mail IN A 192.0.2.25", "alias IN CNAME www.other.test."}, extra...)},
		{Origin: "other.test.", Servers: []string{"auth2"}, Records: []string{"www IN A 192.0.2.81", "ns IN A 198.19.0.7"}},
		{Origin: "nogl.lab.", Servers: []string{"auth2"}, Records: []string{"www IN A 192.0.2.82"}},
	}, Loss: cfg.Loss})
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "gdig-demo-")
	if err != nil {
		return nil, "", err
	}
	l.Defer(func() { os.RemoveAll(dir) })
	hints := filepath.Join(dir, "root.hints")
	return d, hints, os.WriteFile(hints, []byte(d.RootHints()), 0o644)
}
