package gping

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/sockopt"
)

// runConfig is what the flags come to: everything the run needs, checked.
type runConfig struct {
	icmp     icmpx.Config
	count    int // replies to wait for (with -w), probes to send (without); 0: no end
	preload  int
	size     int
	flood    bool
	interval time.Duration
	timeout  time.Duration
	deadline time.Duration
	pattern  []byte
	source   string // for the header: "from <addr> <device>:"
	device   string
	tooFast  error // the interval is below what a user may ask for: printed after the header
	ident    int   // -e: the probes' identifier; -1: none asked for
	sticky   bool  // -B: bind to the source the route gives at the start
	userRTT  bool  // -U: replies timed as read, not as the kernel got them
	adaptive bool  // -A: the interval follows the smoothed RTT
	optlen   int   // -R, -T: what ping counts for the IP options in its header (40)
	// zeroInterval: ping's interval is 0, as it sends on each reply (-f
	// without -i); interval is then the pace when no reply comes.
	zeroInterval bool
	// nodeInfo is what -N asks IPv6 hosts instead of an echo (an IPv4
	// host gets echo requests, as from ping).
	nodeInfo *icmpx.NIQuery
}

// minUserInterval is the shortest interval iputils ping lets a user other
// than root ask for (MINUSERINTERVAL, 2 ms since iputils 20210202).
const minUserInterval = 2 * time.Millisecond

// check turns the flags into a runConfig; changed says which flags were
// given. Out-of-range numbers are ping's words and exit status 1
// (cli.BadNumber), other errors 2.
func (o *options) check(changed func(name string) bool) (runConfig, error) {
	rc := runConfig{count: o.count, preload: o.preload, size: o.size, flood: o.flood, ident: -1,
		sticky: o.sticky, userRTT: o.userRTT, adaptive: o.adaptive}
	if changed("ident") {
		rc.ident = o.ident
	}
	if err := o.checkRanges(changed); err != nil {
		return rc, err
	}
	o.timing(&rc, changed("interval"))
	o.socket(&rc)
	if err := o.packet(&rc); err != nil {
		return rc, err
	}
	return rc, nil
}

// checkRanges refuses the numbers ping refuses, in ping's order.
func (o *options) checkRanges(changed func(name string) bool) error {
	switch {
	case o.family.V4 && o.family.V6:
		return errors.New("only one of -4 and -6 may be given")
	case changed("count") && o.count < 1:
		return cli.OutOfRange(o.count, 1, 9223372036854775807)
	case o.interval < 0 || o.interval > 2147483:
		return fmt.Errorf("bad timing interval: %g", o.interval)
	case o.timeout <= 0 || o.timeout > 2147483:
		// ping takes -W 0 as no limit at all, and waits for minutes on
		// a silent host: refused here.
		return fmt.Errorf("bad linger time: %g", o.timeout)
	case o.deadline < 0 || o.deadline > 2147483647:
		return cli.OutOfRange(o.deadline, 0, 2147483647)
	case o.size < 0:
		return cli.OutOfRange(o.size, 0, 2147483647)
	case o.size > 65507:
		// ping takes it, then fails every send ("message too long")
		// with status 1; the largest datagram is said up front.
		return cli.OutOfRange(o.size, 0, 65507)
	case o.ttl < 0 || o.ttl > 255:
		return cli.OutOfRange(o.ttl, 0, 255)
	case o.preload < 1 || o.preload > 65536:
		return cli.OutOfRange(o.preload, 1, 65536)
	case changed("ident") && (o.ident < 0 || o.ident > 65535):
		return cli.OutOfRange(o.ident, 0, 65535)
	case o.mark < 0 || o.mark > 4294967295:
		return cli.OutOfRange(o.mark, 0, 4294967295)
	case changed("sndbuf") && (o.sndbuf < 1 || o.sndbuf > 2147483647):
		return cli.OutOfRange(o.sndbuf, 1, 2147483647)
	case o.broadcast && os.Getuid() != 0 && o.interval < 1:
		return fmt.Errorf("broadcast ping with too short interval: %d", int(o.interval*1000))
	case o.broadcast && o.pmtud != "" && o.pmtud != "do" && os.Getuid() != 0:
		return errors.New("broadcast ping does not fragment")
	case o.preload > 3 && os.Getuid() != 0:
		return fmt.Errorf("cannot set preload to value greater than 3: %d", o.preload)
	}
	return nil
}

// timing sets the interval, the linger and the deadline; intervalSet says
// whether -i was given.
func (o *options) timing(rc *runConfig, intervalSet bool) {
	rc.interval = time.Duration(o.interval * float64(time.Second))
	asked := rc.interval
	if o.flood && !intervalSet {
		// A flood without -i asks for no interval at all; it sends on
		// each reply, and every 10 ms when none comes back.
		asked, rc.interval = 0, 10*time.Millisecond
		rc.zeroInterval = true
	}
	// As iputils ping (20221126, Debian 12) does, after its header: users
	// other than root may not ask for less than 2 ms between probes; with
	// -i 0.002 or more a user may flood.
	if asked < minUserInterval && os.Getuid() != 0 {
		rc.tooFast = fmt.Errorf("cannot flood; minimal interval allowed for user is %dms", minUserInterval/time.Millisecond)
	}
	rc.timeout = time.Duration(o.timeout * float64(time.Second))
	rc.deadline = time.Duration(o.deadline * float64(time.Second))
}

// socket sets the socket options ping's flags ask for (-d -r -b -m -S -L
// -C -N).
func (o *options) socket(rc *runConfig) {
	rc.icmp.Socket = icmpx.Switches{Debug: o.debug, DontRoute: o.dontRoute, Broadcast: o.broadcast, NoLoop: o.noLoop,
		Mark: uint32(o.mark), SendBuffer: o.sndbuf}
	rc.icmp.Connect = o.connect
	rc.nodeInfo = o.ni
	rc.icmp.Raw = len(o.nodeInfo) > 0 // any -N, a query or not, makes ping's socket raw
	rc.icmp.AnySource = o.broadcast   // every host on the link answers
	if o.broadcast {
		// As ping: a broadcast is never fragmented (-M may change it).
		rc.icmp.PMTUD, rc.icmp.SetPMTUD = sockopt.PMTUDDo, true
	}
}

// packet sets what goes into the probes and the socket: TTL, TOS, -M, the
// pattern and the source.
func (o *options) packet(rc *runConfig) error {
	rc.icmp.TTL = o.ttl
	// icmpx's cookie goes after ping's timestamp, where ping has only its
	// pattern; payloads too small to be timed (-s 15 and less) have no
	// timestamp, and the cookie starts them. From 16 to 23 bytes it is cut
	// short: icmpx checks what there is.
	if o.size >= timedSize {
		rc.icmp.CookieAt = timedSize
	}
	if o.tos != "" {
		v, err := strconv.ParseUint(o.tos, 0, 8)
		if err != nil {
			return fmt.Errorf("the decimal value of TOS bits must be in range 0-255: %s", o.tos)
		}
		rc.icmp.TOS = int(v)
	}
	if o.pmtud != "" {
		m, err := sockopt.ParsePMTUDMode(o.pmtud)
		if err != nil {
			return err
		}
		rc.icmp.PMTUD, rc.icmp.SetPMTUD = m, true
	}
	if err := o.ipOptions(rc); err != nil {
		return err
	}
	if o.flowLabel != "" {
		v, err := strconv.ParseUint(o.flowLabel, 0, 32)
		if err != nil {
			return fmt.Errorf("bad value for flowinfo: %s", o.flowLabel)
		}
		if v > 0xfffff {
			return fmt.Errorf("flow value is greater than 20 bits: %s", o.flowLabel)
		}
		rc.icmp.FlowLabel, rc.icmp.SetFlowLabel = uint32(v), true
	}
	if o.pattern != "" {
		p := o.pattern
		if len(p)%2 == 1 {
			p = "0" + p
		}
		b, err := hex.DecodeString(p)
		if err != nil || len(b) > 16 {
			return fmt.Errorf("patterns must be specified as hex digits, at most 16 bytes: %s", o.pattern)
		}
		rc.pattern = b
	}
	if o.iface != "" {
		if a, err := netip.ParseAddr(o.iface); err == nil {
			rc.icmp.Src = a.Unmap()
			rc.source = a.Unmap().String()
		} else {
			rc.icmp.Device, rc.device = o.iface, o.iface
		}
	}
	return nil
}

// ipOptions sets the IPv4 options of -R and -T, as ping builds them; -T
// tsprespec takes the hosts before the destination as the ones to ask.
func (o *options) ipOptions(rc *runConfig) error {
	switch {
	case o.timestamp != "":
		flag, ok := timestampFlags[o.timestamp]
		if !ok {
			return fmt.Errorf("invalid timestamp type: %s", o.timestamp)
		}
		var prespec []netip.Addr
		if flag == 3 && len(o.hosts) > 1 {
			for _, h := range o.hosts[:len(o.hosts)-1] {
				a, err := netip.ParseAddr(h)
				if err != nil || !a.Is4() || len(prespec) == 4 {
					return fmt.Errorf("tsprespec takes up to 4 IPv4 addresses: %s", h)
				}
				prespec = append(prespec, a)
			}
			o.hosts = o.hosts[len(o.hosts)-1:]
		}
		rc.icmp.IPOptions = timestampOption(flag, prespec)
	case o.recordRoute:
		rc.icmp.IPOptions = recordRouteOption()
	}
	if rc.icmp.IPOptions != nil {
		rc.optlen = 40
	}
	return nil
}
