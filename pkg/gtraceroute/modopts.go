package gtraceroute

// traceroute's -O: the options of its methods ("syn", "mss=1400",
// "coverage=12"), read as traceroute 2.1 reads them, with its CLIF
// library's keyword rules: a keyword exactly, or where marked cut short to
// two letters or more; NAME=VALUE where it takes a value, the value read
// as C's strtoul reads it; a refusal in traceroute's words, counting the
// items from 1 over every -O (split at commas) and -P, in command-line
// order. A method without options takes -O and ignores it, as traceroute.

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// keyword is one -O option of a method, as traceroute's option table
// declares it.
type keyword struct {
	name   string
	arg    string // the value's name ("NUM"), "" for a keyword that takes none
	abbrev bool   // may be cut short
	excl   bool   // one of a set of which only one may be given
	// set applies the keyword; false: traceroute cannot handle the value.
	set func(o *modOpts, v string) bool
}

// modOpts are the methods' -O options once read.
type modOpts struct {
	socket   string // icmp: "raw", "dgram", or "" to take either
	tcpFlags int    // tcp: the TCP flags in the low byte, tcpFL* above it
	sysctl   bool   // tcp: the options as /proc/sys/net/ipv4/tcp_* say
	reuse    bool   // tcp: SO_REUSEADDR on the socket that holds the source port
	info     bool   // tcp: print the flags of the destination's answer
	mss      uint32 // tcp: the MSS option's value, 0 for the path MTU's
	coverage uint32 // udplite: the checksum coverage, 0 for the header's 8 bytes
	service  uint32 // dccp: the service code
	protocol int    // raw: the IP protocol
}

// traceroute's defaults for -O's values.
const (
	defService  = 1885957735 // "ptrg" (mod-dccp.c)
	defProtocol = 253        // RFC 3692's, for experiments
)

// The bits of modOpts.tcpFlags above the TCP flags (mod-tcp.c's FL_*).
const (
	tcpFLFlags  = 0x100 // flags=NUM was given
	tcpFLECN    = 0x200
	tcpFLSACK   = 0x400
	tcpFLTstamp = 0x800
	tcpFLWscale = 0x1000
)

// tcpFlagNames are the TCP flags in the order traceroute names them.
var tcpFlagNames = []struct {
	name string
	bit  int
}{{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20}, {"ece", 0x40}, {"cwr", 0x80}}

func tcpFlagKeywords() []keyword {
	var kws []keyword
	for _, f := range []string{"syn", "ack", "fin", "rst", "psh", "urg", "ece", "cwr"} {
		bit := tcpFlagBit(f)
		kws = append(kws, keyword{name: f, set: func(o *modOpts, _ string) bool { o.tcpFlags |= bit; return true }})
	}
	return kws
}

func tcpFlagBit(name string) int {
	for _, f := range tcpFlagNames {
		if f.name == name {
			return f.bit
		}
	}
	return 0
}

// flagNames is traceroute's -O info text for TCP flags: "syn,ack".
func flagNames(flags byte) string {
	var names []string
	for _, f := range tcpFlagNames {
		if int(flags)&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ",")
}

func setFL(bit int) func(o *modOpts, _ string) bool {
	return func(o *modOpts, _ string) bool { o.tcpFlags |= bit; return true }
}

func setUint(p func(o *modOpts) *uint32) func(o *modOpts, v string) bool {
	return func(o *modOpts, v string) bool {
		n, ok := cUint(v)
		*p(o) = uint32(n)
		return ok
	}
}

// modKeywords are traceroute 2.1's -O keywords of each method, in its
// tables' order.
var modKeywords = map[string][]keyword{
	"icmp": {
		{name: "raw", excl: true, set: func(o *modOpts, _ string) bool { o.socket = "raw"; return true }},
		{name: "dgram", excl: true, set: func(o *modOpts, _ string) bool { o.socket = "dgram"; return true }},
	},
	"tcp": append(tcpFlagKeywords(),
		keyword{name: "flags", arg: "NUM", abbrev: true, set: func(o *modOpts, v string) bool {
			n, used := strtoul(v)
			if used == 0 {
				return false
			}
			o.tcpFlags = o.tcpFlags&^0xff | int(n&0xff) | tcpFLFlags
			return true
		}},
		keyword{name: "ecn", set: setFL(tcpFLECN)},
		keyword{name: "sack", set: setFL(tcpFLSACK)},
		keyword{name: "timestamps", abbrev: true, set: setFL(tcpFLTstamp)},
		keyword{name: "window_scaling", abbrev: true, set: setFL(tcpFLWscale)},
		keyword{name: "sysctl", set: func(o *modOpts, _ string) bool { o.sysctl = true; return true }},
		keyword{name: "reuse", set: func(o *modOpts, _ string) bool { o.reuse = true; return true }},
		keyword{name: "mss", arg: "NUM", set: setUint(func(o *modOpts) *uint32 { return &o.mss })},
		keyword{name: "info", set: func(o *modOpts, _ string) bool { o.info = true; return true }},
	),
	"udplite": {{name: "coverage", arg: "NUM", abbrev: true, set: setUint(func(o *modOpts) *uint32 { return &o.coverage })}},
	"dccp":    {{name: "service", arg: "NUM", abbrev: true, set: setUint(func(o *modOpts) *uint32 { return &o.service })}},
	"raw": {{name: "protocol", arg: "PROT", abbrev: true, set: func(o *modOpts, v string) bool {
		// As traceroute: a number (what follows it ignored), else a name
		// from /etc/protocols.
		if n, used := strtoul(v); used > 0 {
			o.protocol = int(int32(n))
			return true
		}
		p, ok := protocolByName(v)
		o.protocol = p
		return ok
	}}},
}

// maxModOptions is how many items traceroute keeps (its opts[16], the
// first for the method's name).
const maxModOptions = 15

// clifError is a refusal in the words of traceroute's option parser.
type clifError string

func (e clifError) Error() string { return string(e) }

func clifErrorf(format string, args ...any) error { return clifError(fmt.Sprintf(format, args...)) }

// parseModOptions reads items, -O's and -P's in command-line order, as
// the options of method module.
func parseModOptions(module string, items []string) (modOpts, error) {
	o := modOpts{service: defService, protocol: defProtocol}
	kws := modKeywords[module]
	if len(items) > maxModOptions {
		return o, clifError("Too many module options")
	}
	if len(kws) == 0 {
		return o, nil
	}
	exclSeen := false
	for i, item := range items {
		argc := i + 1
		kw, val, hasVal, err := lookupKeyword(kws, item, argc)
		if err != nil {
			return o, err
		}
		if kw.excl {
			if exclSeen {
				return o, clifErrorf("Keyword `%s' (argc %d): Only one of:\n    %s\nmay be specified.", kw.name, argc, exclusive(kws))
			}
			exclSeen = true
		}
		if kw.arg != "" && !hasVal {
			return o, clifErrorf("Keyword `%s' (argc %d) requires an argument: `%s=%s'", kw.name, argc, kw.name, kw.arg)
		}
		if !kw.set(&o, val) {
			if kw.arg == "" {
				return o, clifErrorf("Cannot handle `%s' keyword (argc %d)", kw.name, argc)
			}
			return o, clifErrorf("Cannot handle `%s' keyword with arg `%s' (argc %d)", kw.name, val, argc)
		}
	}
	return o, nil
}

// lookupKeyword finds item's keyword as CLIF does: the exact name, or
// the one keyword that may be cut short and begins with it (two letters
// at least); "=value" only on a keyword that takes one.
func lookupKeyword(kws []keyword, item string, argc int) (kw *keyword, val string, hasVal bool, err error) {
	switch {
	case len(item) > 1 && item[0] == '-' && item[1] != '-':
		return nil, "", false, clifErrorf("Bad option `-%c' (argc %d)", item[1], argc)
	case strings.HasPrefix(item, "-"): // "-", "--x": arguments to CLIF
		return nil, "", false, clifErrorf("`%s' (argc %d): arguments are not allowed", item, argc)
	}
	var short *keyword
	var shortVal string
	var shortHas bool
	candidates := 0
	for i := range kws {
		k := &kws[i]
		j := 0
		for j < len(item) && j < len(k.name) && item[j] == k.name[j] {
			j++
		}
		rest := item[j:]
		if rest != "" && (rest[0] != '=' || k.arg == "") {
			continue
		}
		v, has := strings.CutPrefix(rest, "=")
		if j == len(k.name) {
			return k, v, has, nil
		}
		if k.abbrev && j >= 2 {
			if candidates++; candidates == 1 {
				short, shortVal, shortHas = k, v, has
			} else {
				short = nil
			}
		}
	}
	if short == nil {
		return nil, "", false, clifErrorf("`%s' (argc %d): arguments are not allowed", item, argc)
	}
	return short, shortVal, shortHas, nil
}

// exclusive is the keywords only one of which may be given: "raw | dgram".
func exclusive(kws []keyword) string {
	var names []string
	for _, k := range kws {
		if k.excl {
			names = append(names, k.name)
		}
	}
	return strings.Join(names, " | ")
}

// modHelp is what traceroute -O help prints, to stderr, for a method.
func modHelp(module string) string {
	if h, ok := modHelpText[module]; ok {
		return h
	}
	return fmt.Sprintf("No options for module `%s'\n", module)
}

// strtoul reads a number at the start of s as C's strtoul(s, &end, 0):
// space and a sign before it, 0x for hex, a leading 0 for octal, an
// overflow read as the largest value. used is how many bytes it took, 0
// when s begins with no number.
func strtoul(s string) (v uint64, used int) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := i < len(s) && s[i] == '-'
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	base := uint64(10)
	switch {
	case i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && digit(s[i+2]) < 16:
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	start, overflow := i, false
	for ; i < len(s) && digit(s[i]) < base; i++ {
		d := digit(s[i])
		if v > (math.MaxUint64-d)/base {
			overflow = true
		}
		v = v*base + d
	}
	switch {
	case i == start:
		return 0, 0
	case overflow:
		v = math.MaxUint64
	case neg:
		v = -v
	}
	return v, i
}

// digit is the value of the digit c in bases up to 16, 99 if none.
func digit(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return uint64(c|0x20-'a') + 10
	}
	return 99
}

// cUint reads all of s as a number, as CLIF's CLIF_set_uint does.
func cUint(s string) (uint64, bool) {
	v, used := strtoul(s)
	return v, used > 0 && used == len(s)
}

// protocolByName is getprotobyname(3): the number of an IP protocol by
// its name or an alias in /etc/protocols.
func protocolByName(name string) (int, bool) {
	f, err := os.Open("/etc/protocols")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		for _, n := range append([]string{fields[0]}, fields[2:]...) {
			if n == name {
				p, err := strconv.Atoi(fields[1])
				return p, err == nil
			}
		}
	}
	return 0, false
}

// modHelpText is traceroute 2.1's -O help, word for word, for the
// methods that have options.
var modHelpText = map[string]string{
	"icmp": `  raw                         Use raw sockets way only. Default is try this way
                              first (probably not allowed for unprivileged
                              users), then try dgram
  dgram                       Use dgram sockets way only. May be not
                              implemented by old kernels or restricted by
                              sysadmins
Only one of these may be specified:
    raw | dgram
`,
	"tcp": `  syn                         Set tcp flag SYN (default if no other tcp flags
                              specified)
  ack                         Set tcp flag ACK,
  fin                         FIN,
  rst                         RST,
  psh                         PSH,
  urg                         URG,
  ece                         ECE,
  cwr                         CWR
  flags=NUM                   Set tcp flags exactly to value NUM
  ecn                         Send syn packet with tcp flags ECE and CWR (for
                              Explicit Congestion Notification, rfc3168)
  sack                        Use sack,
  timestamps                  timestamps,
  window_scaling              window_scaling option for tcp
  sysctl                      Use current sysctl (/proc/sys/net/*) setting for
                              the tcp options and ecn. Always set by default
                              (with "syn") if nothing else specified
  reuse                       Allow to reuse local port numbers for the huge
                              workloads (SO_REUSEADDR)
  mss=NUM                     Use value of NUM for maxseg tcp option (when syn)
  info                        Print tcp flags of final tcp replies when target
                              host is reached. Useful to determine whether an
                              application listens the port etc.
`,
	"udplite": `  coverage=NUM                Set udplite send coverage to NUM (default is
                              (sizeof (struct udphdr)))
`,
	"dccp": `  service=NUM                 Set DCCP service code to NUM (default is
                              1885957735)
`,
	"raw": `  protocol=PROT               Use protocol PROT (default is 253)
`,
}
