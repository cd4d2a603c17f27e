// Package garp is the garp tool; cmd/garp is its thin wrapper.
//
// garp speaks ARP over raw frames (AF_PACKET, frames built and parsed with
// gopacket's layers, no cgo): arping's probes, duplicate address
// detection and gratuitous ARP with arping's flags, output and exit codes;
// and beyond it a rate-bounded subnet scan, the kernel's neighbour table,
// and a watch that flags ARP spoofing.
package garp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "garp",
	Synopsis: "[options] target | --scan CIDR | --cache | --watch",
	Summary:  "ARP over raw frames: arping-compatible probes, duplicate address detection\nand gratuitous ARP; subnet scan, neighbour cache and an ARP spoofing watch.",
	Extra: `Raw frames need CAP_NET_RAW (setcap cap_net_raw+ep garp; make install does it).
exit status (arping's): 0 replies received (with -D: no duplicate; -U/-A: sent),
1 none (with -D: a duplicate; --watch --once: a conflict), or a number -c/-w/-i
cannot take (as arping); 2 other errors.`,
	BadValue: cli.IputilsNumbers("count", "deadline", "interval"),
}

type options struct {
	common   cli.Common
	count    int
	deadline float64
	interval float64
	iface    string
	source   string
	dad      bool
	unsol    bool
	advert   bool
	bcast    bool
	first    bool
	quiet    bool
	scan     string
	rate     int
	retries  int
	timeout  time.Duration
	cache    bool
	watch    bool
	once     bool
	pcap     string
}

// Run runs garp with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := command.NewFlagSet(&o.common)
	fs.IntVarP(&o.count, "count", "c", 0, "stop after COUNT probes (with -w: after COUNT replies)")
	fs.Float64VarP(&o.deadline, "deadline", "w", 0, "stop after this many seconds")
	fs.Float64VarP(&o.interval, "interval", "i", 1, "seconds between probes")
	fs.StringVarP(&o.iface, "interface", "I", "", "interface (default: the one the routing table uses towards the target)")
	fs.StringVarP(&o.source, "source", "s", "", "source IP address of the probes")
	fs.BoolVarP(&o.dad, "dad", "D", false, "duplicate address detection: probe from 0.0.0.0 (RFC 5227)")
	fs.BoolVarP(&o.unsol, "unsolicited", "U", false, "unsolicited ARP: announce our address (gratuitous request)")
	fs.BoolVarP(&o.advert, "advert", "A", false, "as -U, but with ARP replies")
	fs.BoolVarP(&o.bcast, "broadcast", "b", false, "keep broadcasting (no unicast after the first reply)")
	fs.BoolVarP(&o.first, "first", "f", false, "stop at the first reply")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing")
	fs.StringVar(&o.scan, "scan", "", "scan a subnet (CIDR): one IP<TAB>MAC line per host that answers")
	fs.IntVar(&o.rate, "rate", 500, "--scan: requests per second")
	fs.IntVar(&o.retries, "retry", 2, "--scan: requests per host (arp-scan's --retry)")
	fs.DurationVar(&o.timeout, "timeout", 500*time.Millisecond, "--scan: wait for replies after each round")
	fs.BoolVar(&o.cache, "cache", false, "print the kernel's neighbour table (as ip neigh)")
	fs.BoolVar(&o.watch, "watch", false, "watch ARP on the interface: new stations, changed or conflicting MACs")
	fs.BoolVar(&o.once, "once", false, "--watch: exit 1 at the first conflict")
	fs.StringVar(&o.pcap, "pcap", "", "write every frame sent and received to this pcap file")
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	fail := func(format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return cli.ExitUsage
	}
	modes := 0
	for _, m := range []bool{o.scan != "", o.cache, o.watch} {
		if m {
			modes++
		}
	}
	// arping's range errors, in its words and with its status 1.
	var bad error
	switch {
	case fs.Changed("count") && o.count < 1:
		bad = cli.OutOfRange(o.count, 1, 2147483647)
	case o.deadline < 0 || o.deadline > 2147483647:
		bad = cli.OutOfRange(o.deadline, 0, 2147483647)
	case o.interval < 0 || o.interval > 2147483647:
		bad = cli.OutOfRange(o.interval, 0, 2147483647)
	}
	if bad != nil {
		cli.Errorf(stderr, command.Name, "%v", bad)
		return cli.ExitBadNumber
	}
	switch {
	case modes > 1:
		return fail("--scan, --cache and --watch exclude each other")
	case o.interval == 0 || o.rate <= 0 || o.retries < 1:
		return fail("counts, times and rates must be positive")
	case o.dad && (o.unsol || o.advert):
		return fail("-D and -U/-A exclude each other")
	}
	out := &output{w: cli.NewLines(stdout), quiet: o.quiet}
	if o.common.JSON {
		out.js = cli.NewNDJSON(stdout)
	}
	if o.cache {
		return runCache(out, o.iface, stderr)
	}
	// -w bounds --scan and --watch from here; arping's probes count it
	// from the first probe (session.arping).
	bounded := ctx
	if o.deadline > 0 {
		var cancel context.CancelFunc
		bounded, cancel = context.WithTimeout(ctx, time.Duration(o.deadline*float64(time.Second)))
		defer cancel()
	}
	switch {
	case o.scan != "":
		prefix, err := netip.ParsePrefix(o.scan)
		if err != nil || !prefix.Addr().Is4() {
			return fail("bad --scan %q: want an IPv4 CIDR such as 192.0.2.0/24", o.scan)
		}
		return withSocket(bounded, o, prefix.Masked().Addr().Next(), stderr, out, func(s *session) int { return s.scan(bounded, prefix.Masked()) })
	case o.watch:
		if o.iface == "" {
			return fail("--watch needs -I interface")
		}
		return withSocket(bounded, o, netip.Addr{}, stderr, out, func(s *session) int { return s.watch(bounded, o.once) })
	}
	if fs.NArg() != 1 {
		return fail("usage error: Destination address required (try --help)")
	}
	dst, err := cli.Resolve(ctx, fs.Arg(0), cli.IPv4Only)
	if err != nil {
		return fail("%v", err)
	}
	return withSocket(ctx, o, dst, stderr, out, func(s *session) int { return s.arping(ctx, dst) })
}

// session is an open socket on one interface with what the modes share.
type session struct {
	o      options
	conn   *packetConn
	ifi    *net.Interface
	mac    net.HardwareAddr
	src    netip.Addr
	out    *output
	pcap   *pcapgo.Writer
	pmu    sync.Mutex
	stderr io.Writer
}

func withSocket(ctx context.Context, o options, dst netip.Addr, stderr io.Writer, out *output, run func(*session) int) int {
	var ifi *net.Interface
	var src netip.Addr
	var err error
	if o.iface != "" || !dst.IsValid() {
		ifi, src, err = interfaceFor(o.iface, dst)
	} else {
		ifi, src, err = interfaceFor("", dst)
	}
	if err != nil {
		cli.Errorf(stderr, command.Name, "%v", err)
		return cli.ExitUsage
	}
	if o.source != "" {
		if src, err = netip.ParseAddr(o.source); err != nil || !src.Is4() {
			cli.Errorf(stderr, command.Name, "invalid source %s", o.source)
			return cli.ExitUsage
		}
	}
	if len(ifi.HardwareAddr) != 6 {
		cli.Errorf(stderr, command.Name, "Interface \"%s\" is not ARPable", ifi.Name)
		return cli.ExitUsage
	}
	conn, err := openPacket(ifi)
	if err != nil {
		cli.Errorf(stderr, command.Name, "%v", err)
		return cli.ExitUsage
	}
	defer conn.close()
	s := &session{o: o, conn: conn, ifi: ifi, mac: ifi.HardwareAddr, src: src, out: out, stderr: stderr}
	if o.pcap != "" {
		f, err := os.Create(o.pcap)
		if err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return cli.ExitUsage
		}
		defer f.Close()
		s.pcap = pcapgo.NewWriter(f)
		if err := s.pcap.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
			cli.Errorf(stderr, command.Name, "%v", err)
			return cli.ExitUsage
		}
	}
	return run(s)
}

// record writes a frame to the pcap file, if any.
func (s *session) record(at time.Time, frame []byte) {
	if s.pcap == nil {
		return
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	_ = s.pcap.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(frame), Length: len(frame)}, frame)
}

func (s *session) send(p arpPacket) (time.Time, error) {
	frame, err := buildARP(p)
	if err != nil {
		return time.Time{}, err
	}
	at, err := s.conn.send(frame)
	if err == nil {
		s.record(at, frame)
	}
	return at, err
}

// output writes text or NDJSON.
type output struct {
	w     *cli.Lines
	js    *cli.NDJSON
	quiet bool
}

func (o *output) text(format string, a ...any) {
	if o.js == nil && !o.quiet {
		o.w.Printf(format, a...)
	}
}

func (o *output) json(v any) {
	if o.js != nil {
		_ = o.js.Emit(v)
	}
}

// macString is arping's upper-case MAC.
func macString(m net.HardwareAddr) string { return strings.ToUpper(m.String()) }

func fmtRTT(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%03dms", us/1000, us%1000)
}
