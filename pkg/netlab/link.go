package netlab

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// LinkConfig describes a point-to-point link between two namespaces.
type LinkConfig struct {
	AName, BName   string        // interface names in A and B (default "eth0")
	AAddrs, BAddrs []string      // addresses in CIDR form, IPv4 and/or IPv6
	MTU            int           // 0: the veth default, 1500
	Delay          time.Duration // one-way delay added in each direction (0: none)
	LossAB, LossBA Loss          // datagrams lost from A to B, and from B to A
}

// Link is a veth link between A and B, possibly through a delay line.
type Link struct {
	A, B         *NS
	AName, BName string
	Delay        *DelayLine // nil when the link has neither delay nor loss
}

// Connect links a and b with a veth pair. With a Delay or a Loss, the pair is
// split by a namespace in the middle holding two address-less veth ends,
// between which a user-space forwarder copies frames after the delay, losing
// those the Loss settings pick (this kernel has no netem); both sides then
// see one Ethernet segment whose RTT is 2×Delay.
func (l *Lab) Connect(a, b *NS, cfg LinkConfig) (*Link, error) {
	if cfg.AName == "" {
		cfg.AName = "eth0"
	}
	if cfg.BName == "" {
		cfg.BName = "eth0"
	}
	link := &Link{A: a, B: b, AName: cfg.AName, BName: cfg.BName}
	if cfg.Delay <= 0 && !cfg.LossAB.active() && !cfg.LossBA.active() {
		if err := a.IP("link", "add", cfg.AName, "type", "veth", "peer", "name", cfg.BName, "netns", b.Name); err != nil {
			return nil, err
		}
	} else {
		dl, err := l.delayedPair(a, b, cfg)
		if err != nil {
			return nil, err
		}
		link.Delay = dl
	}
	ends := []linkEnd{{a, cfg.AName, cfg.AAddrs}, {b, cfg.BName, cfg.BAddrs}}
	for _, end := range ends {
		if err := end.up(cfg.MTU); err != nil {
			return nil, err
		}
	}
	// Neighbour discovery sent before an interface has its link-local address
	// is lost, and the first IPv6 packet then waits a full second for the
	// retransmission: every tool's first probe would look slow or lost.
	for _, end := range ends {
		if hasIPv6(end.addrs) {
			if err := end.ns.waitLinkLocal(end.dev, 3*time.Second); err != nil {
				return nil, err
			}
		}
	}
	return link, nil
}

// delayedPair joins a and b through a namespace of their own whose delay
// line hands each frame across after cfg.Delay, or loses it.
func (l *Lab) delayedPair(a, b *NS, cfg LinkConfig) (*DelayLine, error) {
	mid, err := l.AddNS(fmt.Sprintf("dl-%s-%s", a.Short, b.Short))
	if err != nil {
		return nil, err
	}
	_ = mid.Sysctl("net.ipv6.conf.all.disable_ipv6", "1")
	_ = mid.Sysctl("net.ipv6.conf.default.disable_ipv6", "1")
	if err := a.IP("link", "add", cfg.AName, "type", "veth", "peer", "name", "side-a", "netns", mid.Name); err != nil {
		return nil, err
	}
	if err := b.IP("link", "add", cfg.BName, "type", "veth", "peer", "name", "side-b", "netns", mid.Name); err != nil {
		return nil, err
	}
	// Frames must cross the forwarder as they are on the wire: no segmentation
	// or receive offloads (or frames arrive larger than the MTU), and real
	// checksums (or the far side drops what a local socket sent).
	for _, end := range []linkEnd{{ns: a, dev: cfg.AName}, {ns: b, dev: cfg.BName}, {ns: mid, dev: "side-a"}, {ns: mid, dev: "side-b"}} {
		if _, err := end.ns.Exec("ethtool", "-K", end.dev, "tx", "off", "rx", "off", "gso", "off", "tso", "off", "gro", "off"); err != nil {
			return nil, err
		}
	}
	for _, dev := range []string{"side-a", "side-b"} {
		if err := (linkEnd{ns: mid, dev: dev}).up(cfg.MTU); err != nil {
			return nil, err
		}
	}
	dl, err := startDelayLine(mid, "side-a", "side-b", cfg.Delay, [2]Loss{cfg.LossAB, cfg.LossBA})
	if err != nil {
		return nil, err
	}
	l.Defer(dl.Close)
	return dl, nil
}

// linkEnd is one end of a link: an interface in a namespace, and the
// addresses it gets.
type linkEnd struct {
	ns    *NS
	dev   string
	addrs []string
}

// up sets the end's MTU (when mtu > 0) and addresses, then brings it up.
func (e linkEnd) up(mtu int) error {
	if mtu > 0 {
		if err := e.ns.IP("link", "set", e.dev, "mtu", fmt.Sprint(mtu)); err != nil {
			return err
		}
	}
	for _, addr := range e.addrs {
		args := []string{"addr", "add", addr, "dev", e.dev}
		if strings.Contains(addr, ":") {
			args = append(args, "nodad")
		}
		if err := e.ns.IP(args...); err != nil {
			return err
		}
	}
	return e.ns.IP("link", "set", e.dev, "up")
}

func hasIPv6(addrs []string) bool {
	for _, a := range addrs {
		if strings.Contains(a, ":") {
			return true
		}
	}
	return false
}

// waitLinkLocal waits until dev has its IPv6 link-local address.
func (ns *NS) waitLinkLocal(dev string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		found := false
		err := ns.Do(func() error {
			ifi, err := net.InterfaceByName(dev)
			if err != nil {
				return err
			}
			addrs, err := ifi.Addrs()
			if err != nil {
				return err
			}
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() == nil && ipn.IP.IsLinkLocalUnicast() {
					found = true
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if found {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("[%s] %s: no IPv6 link-local address after %v", ns.Short, dev, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ChainConfig describes h1 - r1 - ... - rN - h2.
type ChainConfig struct {
	Routers int
	// MTU and Delay are per link, link 1 being h1-r1 (index 0); missing or zero
	// entries mean 1500 bytes and no delay.
	MTU   []int
	Delay []time.Duration
	// LossEast and LossWest are per link too: the datagrams lost on their
	// way towards h2, and towards h1.
	LossEast, LossWest []Loss
	// NoICMPRateLimit switches off the routers' ICMP rate limits
	// (icmp_ratelimit, icmp_msgs_per_sec, ICMPv6 ratelimit). Off by default:
	// tools must cope with real routers' defaults.
	NoICMPRateLimit bool
}

// Chain is a line of namespaces h1 - r1 - r2 - ... - h2 with IPv4 and IPv6 on
// every link and routes in both directions.
//
// Addressing: link k (1-based, link 1 joins h1 and r1) is 198.18.k.0/24 and
// fd00:0:0:k::/64; the node nearer h2 holds .1 (::1) and the node nearer h1
// .2 (::2). So a trace from h1 shows hop k as 198.18.k.1, h2 is
// 198.18.(N+1).1 and h1 is 198.18.1.2. Interfaces are "west" (toward h1)
// and "east" (toward h2).
type Chain struct {
	Lab     *Lab
	H1, H2  *NS
	Routers []*NS
	Links   []*Link // Links[k-1] is link k
}

// LinkAddr4 returns the IPv4 address on link k (1-based) of its east side
// (nearer h2, ".1") or west side (".2").
func LinkAddr4(k int, eastSide bool) string {
	if eastSide {
		return fmt.Sprintf("198.18.%d.1", k)
	}
	return fmt.Sprintf("198.18.%d.2", k)
}

// LinkAddr6 is LinkAddr4 for IPv6.
func LinkAddr6(k int, eastSide bool) string {
	if eastSide {
		return fmt.Sprintf("fd00:0:0:%d::1", k)
	}
	return fmt.Sprintf("fd00:0:0:%d::2", k)
}

// H1Addr4 and friends name the hosts' and routers' addresses as seen from h1.
func (c *Chain) H1Addr4() string { return LinkAddr4(1, false) }
func (c *Chain) H2Addr4() string { return LinkAddr4(len(c.Routers)+1, true) }
func (c *Chain) H2Addr6() string { return LinkAddr6(len(c.Routers)+1, true) }

// RouterAddr4 is router i's (1-based) address facing h1: what a trace from h1
// shows at hop i.
func (c *Chain) RouterAddr4(i int) string { return LinkAddr4(i, true) }
func (c *Chain) RouterAddr6(i int) string { return LinkAddr6(i, true) }

// NewChain builds a chain of cfg.Routers routers between h1 and h2.
func (l *Lab) NewChain(cfg ChainConfig) (*Chain, error) {
	c := &Chain{Lab: l}
	n := cfg.Routers
	nodes := make([]*NS, n+2)
	for j := range nodes {
		short := fmt.Sprintf("r%d", j)
		switch j {
		case 0:
			short = "h1"
		case n + 1:
			short = "h2"
		}
		ns, err := l.AddNS(short)
		if err != nil {
			return nil, err
		}
		nodes[j] = ns
	}
	c.H1, c.H2, c.Routers = nodes[0], nodes[n+1], nodes[1:n+1]
	for k := 1; k <= n+1; k++ {
		link, err := l.Connect(nodes[k-1], nodes[k], chainLink(cfg, k))
		if err != nil {
			return nil, err
		}
		c.Links = append(c.Links, link)
	}
	// Routes: hosts point their default routes into the chain (so an address
	// outside the lab reaches r1, which has no route for it and says so);
	// routers know every link subnet explicitly.
	for _, r := range [][]string{
		{"route", "add", "default", "via", LinkAddr4(1, true)},
		{"-6", "route", "add", "default", "via", LinkAddr6(1, true)},
	} {
		if err := c.H1.IP(r...); err != nil {
			return nil, err
		}
	}
	for _, r := range [][]string{
		{"route", "add", "default", "via", LinkAddr4(n+1, false)},
		{"-6", "route", "add", "default", "via", LinkAddr6(n+1, false)},
	} {
		if err := c.H2.IP(r...); err != nil {
			return nil, err
		}
	}
	for j := 1; j <= n; j++ {
		if err := c.setUpRouter(j, cfg.NoICMPRateLimit); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// chainLink is link k of a chain: from node k-1 (east) to node k (west).
func chainLink(cfg ChainConfig, k int) LinkConfig {
	lc := LinkConfig{
		AName:  "east",
		BName:  "west",
		AAddrs: []string{LinkAddr4(k, false) + "/24", LinkAddr6(k, false) + "/64"},
		BAddrs: []string{LinkAddr4(k, true) + "/24", LinkAddr6(k, true) + "/64"},
	}
	if k-1 < len(cfg.MTU) {
		lc.MTU = cfg.MTU[k-1]
	}
	if k-1 < len(cfg.Delay) {
		lc.Delay = cfg.Delay[k-1]
	}
	if k-1 < len(cfg.LossEast) {
		lc.LossAB = cfg.LossEast[k-1]
	}
	if k-1 < len(cfg.LossWest) {
		lc.LossBA = cfg.LossWest[k-1]
	}
	return lc
}

// setUpRouter makes router j forward, and routes every link subnet it is
// not on through its neighbours: it sits between link j (west) and link
// j+1 (east).
func (c *Chain) setUpRouter(j int, noICMPRateLimit bool) error {
	r := c.Routers[j-1]
	for _, kv := range [][2]string{
		{"net.ipv4.ip_forward", "1"},
		{"net.ipv6.conf.all.forwarding", "1"},
	} {
		if err := r.Sysctl(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if noICMPRateLimit {
		if err := NoICMPRateLimit(r); err != nil {
			return err
		}
	}
	for k := 1; k <= len(c.Routers)+1; k++ {
		var via4, via6 string
		switch {
		case k < j:
			via4, via6 = LinkAddr4(j, false), LinkAddr6(j, false)
		case k > j+1:
			via4, via6 = LinkAddr4(j+1, true), LinkAddr6(j+1, true)
		default:
			continue // directly connected
		}
		if err := r.IP("route", "add", fmt.Sprintf("198.18.%d.0/24", k), "via", via4); err != nil {
			return err
		}
		if err := r.IP("-6", "route", "add", fmt.Sprintf("fd00:0:0:%d::/64", k), "via", via6); err != nil {
			return err
		}
	}
	return nil
}

// MustChain is NewChain for tests, in a new lab closed when t ends.
func MustChain(t testing.TB, cfg ChainConfig) *Chain {
	t.Helper()
	l := ForTest(t)
	c, err := l.NewChain(cfg)
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	return c
}

// NoICMPRateLimit switches off ns's ICMP and ICMPv6 error rate limits.
func NoICMPRateLimit(ns *NS) error {
	for _, kv := range [][2]string{
		{"net.ipv4.icmp_ratelimit", "0"},
		{"net.ipv4.icmp_msgs_per_sec", "100000"},
		{"net.ipv4.icmp_msgs_burst", "100000"},
		{"net.ipv6.icmp.ratelimit", "0"},
	} {
		if err := ns.Sysctl(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// SegmentConfig describes a bridged L2 segment.
type SegmentConfig struct {
	Hosts   int
	Subnet4 string // default "198.19.0.0/24": host i (0-based) gets .(i+1)
	Subnet6 string // default "fd00:19::/64": host i gets ::(i+1)
	// Loss, per host i, is what its link to the bridge loses, in each
	// direction with a seed of its own.
	Loss map[int]Loss
}

// Segment is a bridge (in its own namespace, "sw") with hosts attached, each
// through an interface named eth0.
type Segment struct {
	Lab     *Lab
	Switch  *NS
	Hosts   []*NS
	prefix4 *net.IPNet
	prefix6 *net.IPNet
	ports   int
}

// NewSegment builds a bridged segment with cfg.Hosts hosts.
func (l *Lab) NewSegment(cfg SegmentConfig) (*Segment, error) {
	if cfg.Subnet4 == "" {
		cfg.Subnet4 = "198.19.0.0/24"
	}
	if cfg.Subnet6 == "" {
		cfg.Subnet6 = "fd00:19::/64"
	}
	_, p4, err := net.ParseCIDR(cfg.Subnet4)
	if err != nil {
		return nil, err
	}
	_, p6, err := net.ParseCIDR(cfg.Subnet6)
	if err != nil {
		return nil, err
	}
	sw, err := l.AddNS("sw")
	if err != nil {
		return nil, err
	}
	// A bridge may hand frames to iptables when br_netfilter is loaded; the lab
	// wants a plain wire.
	for _, k := range []string{"net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables", "net.bridge.bridge-nf-call-arptables"} {
		_ = sw.Sysctl(k, "0")
	}
	_ = sw.Sysctl("net.ipv6.conf.all.disable_ipv6", "1")
	_ = sw.Sysctl("net.ipv6.conf.default.disable_ipv6", "1")
	if err := sw.IP("link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"); err != nil {
		return nil, err
	}
	if err := sw.IP("link", "set", "br0", "up"); err != nil {
		return nil, err
	}
	s := &Segment{Lab: l, Switch: sw, prefix4: p4, prefix6: p6}
	for i := 0; i < cfg.Hosts; i++ {
		if _, err := s.addHost(fmt.Sprintf("h%d", i+1), cfg.Loss[i], s.Addr4(i)+"/"+ones(p4), s.Addr6(i)+"/"+ones(p6)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func ones(p *net.IPNet) string { n, _ := p.Mask.Size(); return fmt.Sprint(n) }

// MustSegment is NewSegment for tests, in a new lab closed when t ends.
func MustSegment(t testing.TB, cfg SegmentConfig) *Segment {
	t.Helper()
	l := ForTest(t)
	s, err := l.NewSegment(cfg)
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	return s
}

// Addr4 is the IPv4 address NewSegment gives host i (0-based).
func (s *Segment) Addr4(i int) string { return nthAddr(s.prefix4, i+1) }

// Addr6 is the IPv6 address NewSegment gives host i (0-based).
func (s *Segment) Addr6(i int) string { return nthAddr(s.prefix6, i+1) }

func nthAddr(p *net.IPNet, n int) string {
	ip := make(net.IP, len(p.IP))
	copy(ip, p.IP)
	for i := len(ip) - 1; i >= 0 && n > 0; i-- {
		sum := int(ip[i]) + n
		ip[i] = byte(sum)
		n = sum >> 8
	}
	return ip.String()
}

// AddHost attaches a new namespace to the segment through its eth0, with the
// given addresses (CIDR form; none is fine, e.g. for a DAD probe).
func (s *Segment) AddHost(short string, addrs ...string) (*NS, error) {
	return s.addHost(short, Loss{}, addrs...)
}

// addHost is AddHost with a lossy link: loss in each direction, seeded
// apart.
func (s *Segment) addHost(short string, loss Loss, addrs ...string) (*NS, error) {
	h, err := s.Lab.AddNS(short)
	if err != nil {
		return nil, err
	}
	s.ports++
	port := fmt.Sprintf("port%d", s.ports)
	lc := LinkConfig{AName: "eth0", BName: port, AAddrs: addrs}
	if loss.active() {
		lc.LossAB, lc.LossBA = loss.reseed(uint64(2*s.ports)), loss.reseed(uint64(2*s.ports+1))
	}
	if _, err := s.Lab.Connect(h, s.Switch, lc); err != nil {
		return nil, err
	}
	if err := s.Switch.IP("link", "set", port, "master", "br0"); err != nil {
		return nil, err
	}
	s.Hosts = append(s.Hosts, h)
	return h, nil
}

// MAC returns the hardware address of interface dev inside ns.
func (ns *NS) MAC(dev string) (net.HardwareAddr, error) {
	var mac net.HardwareAddr
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		mac = ifi.HardwareAddr
		return nil
	})
	return mac, err
}
