// Package gpmtud is the gpmtud tool; cmd/gpmtud is its thin wrapper.
//
// gpmtud finds the path MTU to a host with DF probes. It follows the
// next-hop MTUs routers report, as tracepath does, and when a router drops
// its "fragmentation needed" / "packet too big" instead (an ICMP black
// hole), it finds the MTU by probing alone (PLPMTUD, RFC 4821/8899): the
// largest size that still gets through, bisected, with retries so one lost
// probe is not read as a limit.
package gpmtud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/probes"
	"gnetutils/pkg/sockopt"
	"gnetutils/pkg/udpprobe"
)

var command = cli.Command{
	Name:     "gpmtud",
	Synopsis: "[options] host",
	Summary:  "Path-MTU discovery with DF probes that also finds the MTU when routers\ndrop ICMP frag-needed / packet-too-big (PLPMTUD).",
	Extra: `Probes are UDP datagrams to a closed port with DF set; the kernel's error
queue (IP_RECVERR) brings the answers, so no privilege is needed. -I probes
with ICMP echo instead (datagram ICMP sockets where ping_group_range allows,
raw otherwise).

output: "pmtu 1300 (icmp|probing) to ADDR: udp payload N, icmp payload N, tcp mss N"
exit status: 0 path MTU found (or -s size through), 1 target unreachable
(or -s size not through), 2 error.

examples:
  gpmtud 192.0.2.1               the path MTU
  gpmtud --hops -n 192.0.2.1     tracepath-style per-hop walk, names a black hole's hop
  gpmtud -s 1472 192.0.2.1       is a 1472-byte payload through? (exit 0/1)`,
}

type options struct {
	common   cli.Common
	v4, v6   bool
	numeric  bool
	port     uint16
	maxHops  int
	check    int
	start    int
	wait     float64
	retries  int
	maxProbe int
	limit    float64
	hops     bool
	verbose  bool
	device   string
	icmp     bool
}

// Run runs gpmtud with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := command.NewFlagSet(&o.common)
	fs.BoolVarP(&o.v4, "ipv4", "4", false, "use IPv4 only")
	fs.BoolVarP(&o.v6, "ipv6", "6", false, "use IPv6 only")
	fs.BoolVarP(&o.numeric, "numeric", "n", false, "numeric output (gpmtud never looks names up; accepted for tracepath compatibility)")
	fs.Uint16VarP(&o.port, "port", "p", 33434, "destination UDP port (a closed one: its port-unreachable says the probe arrived)")
	fs.IntVarP(&o.maxHops, "max-hops", "m", 30, "maximum hops for --hops")
	fs.IntVarP(&o.check, "size", "s", 0, "check one UDP payload size only: is it through? (exit 0 yes, 1 no)")
	fs.IntVarP(&o.start, "start", "l", 0, "first packet size to try (default: the outgoing interface's MTU)")
	fs.Float64VarP(&o.wait, "wait", "w", 1, "longest wait for one answer, seconds (shorter once the RTT is known)")
	fs.IntVar(&o.retries, "retries", 2, "extra probes before a size counts as lost")
	fs.IntVar(&o.maxProbe, "max-probes", 100, "bound on the probes sent")
	fs.Float64Var(&o.limit, "timeout", 30, "bound on the whole run, seconds")
	fs.BoolVar(&o.hops, "hops", false, "walk hop by hop as tracepath does, naming where a black hole is")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "print one line per probed size")
	fs.StringVarP(&o.device, "interface", "i", "", "send through this interface")
	fs.BoolVarP(&o.icmp, "icmp", "I", false, "probe with ICMP echo (pkg/icmpx) instead of UDP to a closed port")
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	fail := func(format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return cli.ExitUsage
	}
	switch {
	case fs.NArg() != 1:
		return fail("expected one host, got %d arguments (try --help)", fs.NArg())
	case o.v4 && o.v6:
		return fail("-4 and -6 exclude each other")
	case o.wait <= 0 || o.limit <= 0:
		return fail("--wait and --timeout must be positive")
	case o.retries < 0 || o.retries > 10:
		return fail("--retries must be between 0 and 10")
	case o.maxHops < 1 || o.maxHops > 255:
		return fail("-m must be between 1 and 255")
	case o.maxProbe < 1:
		return fail("--max-probes must be positive")
	case o.port == 0:
		return fail("port 0 is not a destination port")
	}
	family := cli.AnyFamily
	if o.v4 {
		family = cli.IPv4Only
	} else if o.v6 {
		family = cli.IPv6Only
	}
	host := fs.Arg(0)
	addr, err := cli.Resolve(ctx, host, family)
	if err != nil {
		return fail("%v", err)
	}
	v6 := addr.Is6()
	floor := 68
	if v6 {
		floor = 1280
	}
	// The UDP prober also finds the outgoing interface and its MTU, the
	// first size to try, for either method.
	p, err := probes.NewUDP(udpprobe.Config{Dst: netip.AddrPortFrom(addr, o.port), DF: true, Device: o.device})
	if err != nil {
		return fail("%v", err)
	}
	defer p.Close()
	_, ifMTU := p.Interface()
	start := o.start
	if start == 0 {
		start = ifMTU
	}
	if start == 0 {
		start = 1500
	}
	if o.start == 0 && start > 65535 {
		start = 65535 // loopback's 65536 is above what one IP packet can carry
	}
	var network path = &probePath{p: p}
	if o.icmp {
		c, err := probes.NewICMP(icmpx.Config{Dst: addr, Device: o.device, SetPMTUD: true, PMTUD: sockopt.PMTUDProbe})
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		network = &probePath{p: c}
	}
	minSize := udpprobe.HeaderLen(v6) + udpprobe.PayloadMin
	if start < max(floor, minSize) || start > 65535 {
		return fail("start size %d out of range %d..65535", start, max(floor, minSize))
	}
	out := newPrinter(stdout, o.common.JSON, host, addr)
	cfg := searchConfig{
		start: start, floor: floor, retries: o.retries, maxProbes: o.maxProbe,
		wait:     time.Duration(o.wait * float64(time.Second)),
		deadline: time.Duration(o.limit * float64(time.Second)),
		refill:   rateLimitRefill,
	}
	if o.verbose || o.common.JSON {
		cfg.step = out.step
	}
	pr := &prober{p: network, cfg: cfg, started: time.Now()}

	if o.check > 0 {
		size := o.check + udpprobe.HeaderLen(v6)
		if o.check < udpprobe.PayloadMin || size > 65535 {
			return fail("-s %d out of range %d..%d", o.check, udpprobe.PayloadMin, 65535-udpprobe.HeaderLen(v6))
		}
		res, err := pr.try(ctx, 0, size)
		if err != nil && !errors.Is(err, context.Canceled) {
			return fail("%v", err)
		}
		through := out.check(o.check, res)
		if through {
			return cli.ExitOK
		}
		return cli.ExitFail
	}

	if o.hops {
		cfg.step = nil
		pr.cfg.step = nil
		out.localhost(start)
		wr, err := walk(ctx, pr, start, floor, o.maxHops, out.hop)
		out.resume(wr)
		switch {
		case errors.Is(err, errUnreachable) || (err == nil && !wr.reached):
			out.summary(searchResult{pmtu: wr.pmtu, learned: wr.learned, probes: pr.probes, elapsed: time.Since(pr.started)}, wr.blackHoleHop, false)
			return cli.ExitFail
		case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errBudget):
			return fail("%v", err)
		}
		out.summary(searchResult{pmtu: wr.pmtu, learned: wr.learned, blackHole: wr.blackHoleHop > 0, probes: pr.probes, elapsed: time.Since(pr.started), rtt: pr.maxRTT}, wr.blackHoleHop, wr.reached)
		return cli.ExitOK
	}

	res, err := search(ctx, network, cfg)
	switch {
	case errors.Is(err, errUnreachable), errors.Is(err, errNoAnswer):
		cli.Errorf(stderr, command.Name, "%s: %v (%d probes in %s)", addr, err, res.probes, res.elapsed.Round(time.Millisecond))
		out.summary(res, 0, false)
		return cli.ExitFail
	case errors.Is(err, context.Canceled):
		cli.Errorf(stderr, command.Name, "interrupted; largest size through so far: %d", res.pmtu)
		return cli.ExitFail
	case err != nil:
		if res.pmtu == 0 {
			return fail("%v", err)
		}
		cli.Errorf(stderr, command.Name, "%v; answer so far", err)
	}
	out.summary(res, 0, true)
	return cli.ExitOK
}

// returnHops is tracepath's "back": the answer's hop count, guessed from
// the TTL it arrived with.
func returnHops(o outcome) int {
	if o.replyTTL <= 0 {
		return 0
	}
	return udpprobe.ReturnHops(o.replyTTL)
}

// printer writes text or NDJSON.
type printer struct {
	lines *cli.Lines
	js    *cli.NDJSON
	host  string
	addr  netip.Addr
	v6    bool
}

func newPrinter(w io.Writer, json bool, host string, addr netip.Addr) *printer {
	p := &printer{host: host, addr: addr, v6: addr.Is6()}
	if json {
		p.js = cli.NewNDJSON(w)
	} else {
		p.lines = cli.NewLines(w)
	}
	return p
}

type stepJSON struct {
	Type   string  `json:"type"`
	Size   int     `json:"size"`
	TTL    int     `json:"ttl,omitempty"`
	Result string  `json:"result"`
	From   string  `json:"from,omitempty"`
	MTU    int     `json:"mtu,omitempty"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Probes int     `json:"probes"`
}

func (p *printer) step(o outcome) {
	if p.js != nil {
		s := stepJSON{Type: "probe", Size: o.size, TTL: o.ttl, Result: strings.ReplaceAll(o.res.String(), " ", "_"), MTU: o.mtu, RTTms: cli.Millis(o.rtt), Probes: o.sent}
		if o.from.IsValid() {
			s.From = o.from.String()
		}
		_ = p.js.Emit(s)
		return
	}
	var what string
	switch o.res {
	case resThrough:
		what = fmt.Sprintf("through (%s ms)", fmtMS(o.rtt))
	case resTooBig:
		what = fmt.Sprintf("frag needed from %s, mtu %d (%s ms)", o.from, o.mtu, fmtMS(o.rtt))
		if o.icmpv6 {
			what = fmt.Sprintf("packet too big from %s, mtu %d (%s ms)", o.from, o.mtu, fmtMS(o.rtt))
		}
	case resLocal:
		what = fmt.Sprintf("larger than the interface MTU %d", o.mtu)
	case resLost:
		what = fmt.Sprintf("no answer to %d probes", o.sent)
	case resHop:
		what = fmt.Sprintf("time exceeded from %s", o.from)
	case resUnreachable:
		what = fmt.Sprintf("unreachable %s from %s", annotation(o), o.from)
	}
	p.lines.Printf("probe %d bytes: %s", o.size, what)
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.3f", cli.Millis(d)) }

// check prints the answer of -s.
func (p *printer) check(payload int, o outcome) bool {
	through := o.res == resThrough
	if p.js != nil {
		_ = p.js.Emit(map[string]any{"type": "summary", "host": p.host, "addr": p.addr.String(), "payload": payload, "size": o.size, "through": through})
		return through
	}
	verdict := "through"
	if !through {
		switch o.res {
		case resTooBig:
			verdict = fmt.Sprintf("not through: frag needed from %s, mtu %d", o.from, o.mtu)
		case resLocal:
			verdict = fmt.Sprintf("not through: larger than the interface MTU %d", o.mtu)
		case resUnreachable:
			verdict = fmt.Sprintf("not through: unreachable %s from %s", annotation(o), o.from)
		default:
			verdict = fmt.Sprintf("not through: no answer to %d probes", o.sent)
		}
	}
	p.lines.Printf("%d bytes (packet %d) to %s: %s", payload, o.size, p.addr, verdict)
	return through
}

// localhost is tracepath's first line.
func (p *printer) localhost(mtu int) {
	if p.js == nil {
		p.lines.Printf("%2d?: %-32s pmtu %d", 1, "[LOCALHOST]", mtu)
	}
}

type hopJSON struct {
	Type      string  `json:"type"`
	TTL       int     `json:"ttl"`
	From      string  `json:"from,omitempty"`
	RTTms     float64 `json:"rtt_ms,omitempty"`
	PMTU      int     `json:"pmtu,omitempty"`
	Reached   bool    `json:"reached,omitempty"`
	NoReply   bool    `json:"no_reply,omitempty"`
	BlackHole bool    `json:"black_hole,omitempty"`
	Error     string  `json:"error,omitempty"`
	Back      int     `json:"back,omitempty"`
}

// hop prints one tracepath-style line: "%2d:  <addr padded to 52><rtt>ms <what>".
func (p *printer) hop(h hopLine) {
	if p.js != nil {
		j := hopJSON{Type: "hop", TTL: h.ttl, RTTms: cli.Millis(h.rtt), PMTU: h.pmtu, Reached: h.reached, NoReply: h.noReply, BlackHole: h.blackHole, Error: h.annot, Back: h.back}
		if h.from.IsValid() {
			j.From = h.from.String()
		}
		_ = p.js.Emit(j)
		return
	}
	if h.noReply {
		p.lines.Printf("%2d:  no reply", h.ttl)
		return
	}
	us := h.rtt.Microseconds()
	line := fmt.Sprintf("%2d:  %-52s%3d.%03dms ", h.ttl, h.from, us/1000, us%1000)
	switch {
	case h.blackHole:
		line += fmt.Sprintf("pmtu %d (black hole after hop %d: larger packets vanish without frag-needed)", h.pmtu, h.ttl-1)
	case h.pmtu > 0:
		line += fmt.Sprintf("pmtu %d", h.pmtu)
	case h.reached:
		line += "reached"
	case h.annot != "":
		line += h.annot
	}
	p.lines.Printf("%s", line)
}

// resume is tracepath's closing line.
func (p *printer) resume(wr walkResult) {
	if p.js != nil {
		return
	}
	if wr.reached {
		p.lines.Printf("     Resume: pmtu %d hops %d back %d ", wr.pmtu, wr.hops, wr.back)
		return
	}
	p.lines.Printf("     Too many hops: pmtu %d", wr.pmtu)
	p.lines.Printf("     Resume: pmtu %d ", wr.pmtu)
}

type summaryJSON struct {
	Type        string  `json:"type"`
	Host        string  `json:"host"`
	Addr        string  `json:"addr"`
	Reached     bool    `json:"reached"`
	PMTU        int     `json:"pmtu"`
	Learned     string  `json:"learned"`
	UDPPayload  int     `json:"udp_payload"`
	ICMPPayload int     `json:"icmp_payload"`
	TCPMSS      int     `json:"tcp_mss"`
	BlackHole   bool    `json:"black_hole"`
	BlackHoleLo int     `json:"black_hole_from_size,omitempty"`
	BHAfterHop  int     `json:"black_hole_after_hop,omitempty"`
	Probes      int     `json:"probes"`
	ElapsedMS   float64 `json:"elapsed_ms"`
}

// payloads are what an IP MTU leaves for UDP and ICMP payloads and the TCP
// MSS (no options) it implies.
func payloads(mtu int, v6 bool) (udp, icmp, mss int) {
	ip := 20
	if v6 {
		ip = 40
	}
	return mtu - ip - 8, mtu - ip - 8, mtu - ip - 20
}

func (p *printer) summary(r searchResult, bhHop int, reached bool) {
	udp, icmp, mss := payloads(r.pmtu, p.v6)
	if p.js != nil {
		_ = p.js.Emit(summaryJSON{Type: "summary", Host: p.host, Addr: p.addr.String(), Reached: reached, PMTU: r.pmtu, Learned: r.learned,
			UDPPayload: udp, ICMPPayload: icmp, TCPMSS: mss, BlackHole: r.blackHole || bhHop > 0, BlackHoleLo: r.bhLow, BHAfterHop: bhHop,
			Probes: r.probes, ElapsedMS: cli.Millis(r.elapsed)})
		return
	}
	if !reached {
		return
	}
	line := fmt.Sprintf("pmtu %d (%s) to %s: udp payload %d, icmp payload %d, tcp mss %d", r.pmtu, r.learned, p.addr, udp, icmp, mss)
	switch {
	case bhHop > 0:
		line += fmt.Sprintf("; black hole after hop %d", bhHop)
	case r.blackHole:
		line += fmt.Sprintf("; black hole: packets above %d bytes vanish without frag-needed", r.pmtu)
	}
	p.lines.Printf("%s; %d probes in %s ms", line, r.probes, fmtMS(r.elapsed))
}
