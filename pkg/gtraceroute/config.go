package gtraceroute

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/sockopt"
)

// config is a checked command line: everything a trace or a report needs.
type config struct {
	host    string     // the target as given
	addr    netip.Addr // what it resolved to
	kind    string     // the probe method by traceroute's name: "default", "udp", "icmp", "tcp", ...
	size    int        // packet length, IP header included
	trace   traceConfig
	probe   probeConfig
	json    bool
	numeric bool
	ext     bool
	back    bool // --back: the backward hop counts
	report  bool
	cycles  int       // --report's
	as      *asLookup // -A, nil without it
}

// newConfig checks f. Every refusal is bad usage (exit 2); they come in
// the order traceroute makes them, so of several mistakes the same one is
// named.
func newConfig(ctx context.Context, f flags) (config, error) {
	c := config{json: f.common.JSON, numeric: f.numeric, ext: f.ext, back: f.back, report: f.report, cycles: f.cycles}
	if len(f.args) < 1 || len(f.args) > 2 {
		return c, fmt.Errorf("expected host [packetlen], got %d arguments (try --help)", len(f.args))
	}
	var err error
	if c.kind, err = f.method(); err != nil {
		return c, err
	}
	if c.trace, err = f.schedule(c.kind); err != nil {
		return c, err
	}
	if f.family.V4 && f.family.V6 {
		return c, errors.New("-4 and -6 exclude each other")
	}
	c.host = f.args[0]
	if c.addr, err = cli.Resolve(ctx, c.host, f.family.Family()); err != nil {
		return c, err
	}
	gws, err := f.gatewayAddrs(ctx, c.addr)
	if err != nil {
		return c, err
	}
	if c.size, err = packetSize(f.args, c.addr); err != nil {
		return c, err
	}
	if f.asPath {
		if c.as, err = newASLookup(f.asServer, f.asZone); err != nil {
			return c, err
		}
	}
	mod, err := parseModOptions(c.kind, f.modItems)
	if err != nil {
		return c, err
	}
	var tcp tcpProbe
	if c.kind == "tcp" {
		tcp = newTCPProbe(mod, tcpSysctl)
	}
	c.size = methodSize(c.kind, c.size, f, c.addr, tcp)
	var optLen int
	if len(gws) > 0 {
		// traceroute counts the source route in the packet length.
		optLen = sockopt.LooseSourceRouteLen(len(gws), c.addr.Is6())
		c.size += optLen
	}
	c.probe, err = f.probeConfig(c.kind, c.addr, c.size-optLen)
	c.probe.gateways, c.probe.mod, c.probe.tcp, c.probe.wait = gws, mod, tcp, c.trace.waitMax
	if c.kind == "raw" && f.port != 0 {
		c.probe.mod.protocol = f.port // traceroute's -p: the protocol, for this method
	}
	return c, err
}

// methodSize is the packet length of the method's probes, as traceroute
// prints it: size (the packetlen argument or its default) for the methods
// that send what they are given, the header's own for tcp and dccp, whose
// probes carry nothing after it.
func methodSize(kind string, size int, f flags, addr netip.Addr, tcp tcpProbe) int {
	hdr := sockopt.IPHeaderLen(addr.Is6())
	switch {
	case kind == "tcp":
		return hdr + tcp.headerLen()
	case kind == "dccp":
		return hdr + dccpHeaderLen
	case kind == "raw" && len(f.args) > 1:
		n, _ := strconv.Atoi(f.args[1])
		return max(n, hdr) // no header of its own to make room for
	case f.mtu && len(f.args) < 2:
		return 65000 // traceroute --mtu starts as big as it may and shrinks
	}
	return size
}

// gatewayAddrs resolves -g's gateways, in dst's family.
func (f *flags) gatewayAddrs(ctx context.Context, dst netip.Addr) ([]netip.Addr, error) {
	var gws []netip.Addr
	family := cli.IPv4Only
	limit := 8
	if dst.Is6() {
		family, limit = cli.IPv6Only, 127
	}
	for _, list := range f.gateways {
		for _, g := range strings.Split(list, ",") {
			a, err := cli.Resolve(ctx, g, family)
			if err != nil {
				return nil, err
			}
			gws = append(gws, a)
		}
	}
	if len(gws) > limit {
		//lint:ignore ST1005 traceroute's words, capital and all
		return nil, fmt.Errorf("Too many gateways specified. No more than %d", limit)
	}
	return gws, nil
}

// methods are traceroute's modules, by their names.
var methods = []string{"default", "icmp", "tcp", "tcpconn", "udp", "udplite", "dccp", "raw"}

// method is the probe method the flags name: the last of -I, -T, -U,
// -UL, -D, -P and -M given, as traceroute takes them; "default" (UDP)
// when none.
func (f *flags) method() (string, error) {
	if f.module == "" {
		return "default", nil
	}
	if slices.Contains(methods, f.module) {
		return f.module, nil
	}
	//lint:ignore ST1005 traceroute's words, capital and all
	return "", fmt.Errorf("Unknown traceroute module %s", f.module)
}

// packetSize is the optional packetlen argument, traceroute's default
// when it is absent.
func packetSize(args []string, addr netip.Addr) (int, error) {
	hdr := 20
	if addr.Is6() {
		hdr = 40
	}
	if len(args) < 2 {
		return hdr + 40, nil
	}
	n, err := strconv.Atoi(args[1])
	switch {
	case err != nil || n < 0:
		//lint:ignore ST1005 traceroute's words, capital and all
		return 0, fmt.Errorf("Cannot handle \"packetlen\" cmdline arg `%s'", args[1])
	case n > 65000:
		return 0, fmt.Errorf("too big packetlen %d specified", n)
	}
	// As traceroute: too small a length is raised to the smallest the
	// method can send.
	return max(n, hdr+8+8), nil
}

// probeConfig checks the flags every probe method takes.
func (f *flags) probeConfig(kind string, addr netip.Addr, size int) (probeConfig, error) {
	pc := probeConfig{dst: addr, device: f.device, size: size, df: f.df || f.mtu, mtu: f.mtu, tos: f.tos, debug: f.debug, noRoute: f.noRoute, mark: f.fwmark}
	if addr.Is6() {
		pc.flowLabel = f.flowLabel & 0xfffff // traceroute's IPV6_FLOWINFO_FLOWLABEL
	}
	if f.sport < 0 || f.sport > 65535 {
		return pc, fmt.Errorf("bad port %d", f.sport)
	}
	pc.sport = uint16(f.sport)
	switch {
	case f.port > 0 && f.port < 65536:
		pc.port = uint16(f.port)
	case f.port != 0:
		return pc, fmt.Errorf("bad port %d", f.port)
	case kind == "tcp" || kind == "tcpconn":
		pc.port = 80
	case kind == "udp" || kind == "udplite":
		pc.port = 53
	default:
		pc.port = 33434
	}
	if f.source != "" {
		src, err := netip.ParseAddr(f.source)
		if err != nil || src.Unmap().Is4() != addr.Is4() {
			return pc, fmt.Errorf("bad source address %q for %s", f.source, addr)
		}
		pc.src = src.Unmap()
	}
	return pc, nil
}

// schedule checks the timing flags, for the method kind.
func (f *flags) schedule(kind string) (traceConfig, error) {
	tc := traceConfig{first: f.first, max: f.maxTTL, queries: f.queries, parallel: f.parallel, retry: !f.noRetry, retryAfter: 1250 * time.Millisecond,
		refill: 1050 * time.Millisecond}
	// traceroute takes -N 0 (or less) as one probe at a time; --sport
	// implies -N 1, as one source port keeps no two probes apart.
	tc.parallel = max(tc.parallel, 1)
	if f.sport != 0 || f.mtu {
		tc.parallel = 1
	}
	switch kind {
	case "tcp", "dccp", "raw":
		tc.minWait = 2 * time.Millisecond // answers come through two sockets (defaultMinWait)
	}
	switch {
	case f.maxTTL > 255:
		return tc, fmt.Errorf("max hops cannot be more than 255")
	case f.first < 1 || f.first > f.maxTTL: // -m 0 too, as traceroute words it
		return tc, fmt.Errorf("first hop out of range")
	case f.queries < 1 || f.queries > 10:
		return tc, fmt.Errorf("no more than 10 probes per hop")
	case f.sendWait < 0:
		return tc, fmt.Errorf("bad sendtime `%g' specified", f.sendWait)
	case (f.report || f.live) && f.cycles < 1:
		return tc, fmt.Errorf("-c must be positive")
	}
	var err error
	if tc.waitMax, tc.here, tc.near, err = parseWait(f.wait); err != nil {
		return tc, err
	}
	if kind == "raw" {
		// traceroute's raw method tells no probe from another: one at a
		// time, each waited for up to MAX.
		tc.parallel, tc.here, tc.near = 1, 0, 0
	}
	if f.sendWait > 10 {
		tc.sendWait = time.Duration(f.sendWait * float64(time.Millisecond))
	} else {
		tc.sendWait = time.Duration(f.sendWait * float64(time.Second))
	}
	return tc, nil
}

// parseWait reads -w MAX[,HERE[,NEAR]]; what is left out keeps
// traceroute's default (5,3,10).
func parseWait(s string) (waitMax time.Duration, here, near float64, err error) {
	parts := strings.Split(s, ",")
	vals := []float64{5, 3, 10}
	if len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("bad wait specifications `%s' used", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v < 0 {
			return 0, 0, 0, fmt.Errorf("bad wait specifications `%s' used", s)
		}
		vals[i] = v
	}
	return time.Duration(vals[0] * float64(time.Second)), vals[1], vals[2], nil
}
