package gdig

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// plusOpt is one of dig's +options: its name, whether +noname exists,
// and what it does to a lookup. val is what follows "=", has whether
// there was one.
type plusOpt struct {
	name string
	neg  bool // +noname is an option too
	set  func(o *options, on bool, val string, has bool) error
}

// flag is an on/off +option that sets one field.
func flag(name string, field func(o *options) *bool) plusOpt {
	return plusOpt{name, true, func(o *options, on bool, _ string, _ bool) error { *field(o) = on; return nil }}
}

// section is one of the +[no]comments/question/... display switches.
func section(name string) plusOpt {
	return plusOpt{name, true, func(o *options, on bool, _ string, _ bool) error { o.sw.set(name, on); return nil }}
}

// plusOpts is every +option of dig 9.18's -h, in its order.
var plusOpts = []plusOpt{
	flag("aaflag", func(o *options) *bool { return &o.q.aa }),
	flag("aaonly", func(o *options) *bool { return &o.q.aa }),
	section("additional"),
	flag("adflag", func(o *options) *bool { return &o.q.ad }),
	{"all", true, func(o *options, on bool, _ string, _ bool) error {
		o.sw = sections{on, on, on, on, on, on, on}
		return nil
	}},
	section("answer"),
	section("authority"),
	// +badcookie (on): a BADCOOKIE answer is asked again with the
	// server's cookie (RFC 7873 section 5.3), as dig does.
	{"badcookie", true, func(o *options, on bool, _ string, _ bool) error { o.noBadCookie = !on; return nil }},
	// +besteffort: an answer cut short is printed as far as it reads
	// (lenient.go), after dig's warning.
	flag("besteffort", func(o *options) *bool { return &o.bestEffort }),
	{"bufsize", false, numeric("bufsize", 0, 65535, func(o *options, n int) { o.bufsize = n })},
	flag("cdflag", func(o *options) *bool { return &o.q.cd }),
	{"class", true, func(o *options, on bool, _ string, _ bool) error { o.disp.noClass = !on; return nil }},
	{"cmd", true, func(o *options, on bool, _ string, _ bool) error { o.globals.noCmd, o.sw.cmd = !on, on; return nil }},
	flag("coflag", func(o *options) *bool { return &o.q.coflag }),
	section("comments"),
	{"cookie", true, func(o *options, on bool, v string, has bool) error {
		o.cookie, o.cookieV = on, ""
		if has {
			if _, err := hex.DecodeString(v); err != nil || len(v) < 16 || len(v) > 80 {
				return errInvalidOption("cookie=" + v)
			}
			o.cookieV = v
		}
		return nil
	}},
	{"crypto", true, func(o *options, on bool, _ string, _ bool) error { o.disp.noCrypto = !on; return nil }},
	flag("defname", func(o *options) *bool { return &o.search }),
	// +dns64prefix is a lookup of its own (dns64.go); +nodns64prefix
	// does nothing, as in dig.
	{"dns64prefix", true, func(o *options, on bool, _ string, _ bool) error { o.dns64Asked = on; return nil }},
	flag("dnssec", func(o *options) *bool { return &o.dnssec }),
	// +domain is the search list in place of resolv.conf's, and turns
	// it on, as dig does.
	{"domain", false, func(o *options, _ bool, v string, _ bool) error {
		o.domain, o.search = strings.Trim(v, "."), true
		return nil
	}},
	{"edns", true, func(o *options, on bool, v string, has bool) error {
		o.q.edns = -1
		if on {
			o.q.edns = 0
			if has {
				n, err := strconv.ParseUint(v, 10, 8)
				if err != nil {
					return &exitError{exitInternal, fmt.Sprintf("edns: '%s': not a valid number", v)}
				}
				o.q.edns = int(n)
			}
		}
		return nil
	}},
	{"ednsflags", true, numeric("ednsflags", 0, 0xffff, func(o *options, n int) { o.q.ednsFlags = uint16(n) })},
	{"ednsnegotiation", true, func(o *options, on bool, _ string, _ bool) error { o.noEdnsNeg = !on; return nil }},
	{"ednsopt", true, ednsOption},
	flag("expandaaaa", func(o *options) *bool { return &o.disp.expandAAAA }),
	flag("expire", func(o *options) *bool { return &o.q.expire }),
	// +fail (dig's default): a SERVFAIL answer is the answer; +nofail
	// asks the next server (stub.go).
	{"fail", true, func(o *options, on bool, _ string, _ bool) error { o.noFail = !on; return nil }},
	flag("header-only", func(o *options) *bool { return &o.q.headerOnly }),
	flag("identify", func(o *options) *bool { return &o.disp.identify }),
	// IDN conversion (idn.go), on by default when stdout is a terminal,
	// as in dig.
	flag("idnin", func(o *options) *bool { return &o.idnin }),
	flag("idnout", func(o *options) *bool { return &o.idnout }),
	flag("ignore", func(o *options) *bool { return &o.q.ignoreTC }),
	flag("keepalive", func(o *options) *bool { return &o.q.keepalive }),
	flag("keepopen", func(o *options) *bool { return &o.keepOpen }),
	flag("multiline", func(o *options) *bool { return &o.disp.multiline }),
	// +ndots: the dots a name needs to be asked as given before the
	// search list (resolv.conf's ndots, 1 if it has none).
	{"ndots", false, numeric("ndots", 0, 255, func(o *options, n int) { o.ndots = n })},
	flag("nsid", func(o *options) *bool { return &o.nsid }),
	{"nssearch", true, nssearchOption},
	flag("onesoa", func(o *options) *bool { return &o.disp.onesoa }),
	{"opcode", true, opcodeOption},
	{"padding", false, numeric("padding", 0, 512, func(o *options, n int) { o.q.padding = n })},
	{"qid", false, numeric("qid", 0, 0xffff, func(o *options, n int) { o.q.qid = n })},
	flag("qr", func(o *options) *bool { return &o.disp.qr }),
	section("question"),
	flag("raflag", func(o *options) *bool { return &o.q.ra }),
	{"rdflag", true, func(o *options, on bool, _ string, _ bool) error { o.norec = !on; return nil }},
	{"recurse", true, func(o *options, on bool, _ string, _ bool) error { o.norec = !on; return nil }},
	{"retry", false, numeric("retry", 0, 1<<20, func(o *options, n int) { o.tries, o.triesSet = n+1, true })},
	{"rrcomments", true, func(o *options, on bool, _ string, _ bool) error {
		o.disp.rrComments, o.disp.rrCommentsSet = on, true
		return nil
	}},
	flag("search", func(o *options) *bool { return &o.search }),
	{"short", true, shortOption},
	flag("showbadcookie", func(o *options) *bool { return &o.showBadCookie }),
	{"showsearch", true, func(o *options, on bool, _ string, _ bool) error {
		o.showSearch = on
		o.search = o.search || on
		return nil
	}},
	{"split", true, func(o *options, on bool, v string, has bool) error {
		o.disp.split = 0
		if on && has {
			return numeric("split", 0, 1023, func(o *options, n int) { o.disp.split = (n + 3) / 4 * 4 })(o, on, v, has)
		}
		return nil
	}},
	section("stats"),
	{"subnet", true, subnetOption},
	flag("tcflag", func(o *options) *bool { return &o.q.tc }),
	{"tcp", true, tcpOption},
	{"timeout", false, numeric("timeout", 0, 1<<20, func(o *options, n int) { o.timeout, o.timeSet = time.Duration(max(n, 1))*time.Second, true })},
	flag("trace", func(o *options) *bool { return &o.trace }),
	{"tries", false, numeric("tries", 0, 1<<20, func(o *options, n int) { o.tries, o.triesSet = max(n, 1), true })},
	{"ttlid", true, func(o *options, on bool, _ string, _ bool) error { o.disp.noTTL = !on; return nil }},
	flag("ttlunits", func(o *options) *bool { return &o.disp.ttlUnits }),
	flag("unknownformat", func(o *options) *bool { return &o.disp.unknown }),
	{"vc", true, tcpOption},
	{"yaml", true, func(o *options, on bool, _ string, _ bool) error {
		if on {
			// dig prints YAML; gdig does not, and prints no JSON in its place.
			return &exitError{exitUsage, "+yaml is not supported: use --json (NDJSON, RFC 8427 names)"}
		}
		return nil
	}},
	flag("zflag", func(o *options) *bool { return &o.q.z }),
	// Spellings dig takes that its -h does not list.
	{"time", false, numeric("time", 0, 1<<20, func(o *options, n int) { o.timeout, o.timeSet = time.Duration(max(n, 1))*time.Second, true })},
	{"json", false, func(o *options, _ bool, _ string, _ bool) error { o.globals.common.JSON = true; return nil }},
	{"rec", true, func(o *options, on bool, _ string, _ bool) error { o.norec = !on; return nil }},
}

// tcpOption is +[no]tcp (+[no]vc): TCP or UDP, chosen, where dig
// would ask an ANY question over TCP by itself.
func tcpOption(o *options, on bool, _ string, _ bool) error {
	o.tcp, o.tcpSet = on, true
	return nil
}

// nssearchOption is +nssearch as dig sets it: the lookup asks for the
// NS records, with recursion, and prints each server's SOA in short form
// (for every lookup: +short is global). +nonssearch only turns the search
// off again.
func nssearchOption(o *options, on bool, _ string, _ bool) error {
	o.nssearch = on
	if on {
		o.norec, o.globals.short = false, true
		o.sw = sections{answer: true, cmd: o.sw.cmd}
		o.disp.rrComments, o.disp.rrCommentsSet = false, true
	}
	return nil
}

// shortOption is +short as dig sets it: short output for every lookup,
// and this lookup's sections cut to the answer, no command line; +noshort
// turns the short output off and leaves the sections as they are.
func shortOption(o *options, on bool, _ string, _ bool) error {
	o.globals.short = on
	if on {
		o.globals.noCmd = true
		o.sw = sections{answer: true}
		o.disp.rrComments, o.disp.rrCommentsSet = false, true
	}
	return nil
}

// plus applies one +option (without its +) as dig reads it: +noname
// for the options that have it, and any unambiguous abbreviation
// (+mult for +multiline).
func (o *options) plus(p string) error {
	key, val, has := strings.Cut(p, "=")
	// +validate and the encrypted transports dig 9.18 lacks or leaves
	// unverified (validate.go, transport.go) come first.
	if o.dnssecPlus(key, val, has) || o.transportPlus(key, val, has) {
		return nil
	}
	on := true
	opt, ok := lookupPlus(key, false)
	if !ok && strings.HasPrefix(key, "no") {
		if opt, ok = lookupPlus(key[2:], true); ok {
			on = false
		}
	}
	if !ok {
		return errInvalidOption(p)
	}
	return opt.set(o, on, val, has)
}

// lookupPlus finds the option key names, exactly or as the one option
// whose name it begins.
func lookupPlus(key string, negated bool) (plusOpt, bool) {
	var found []plusOpt
	for _, opt := range plusOpts {
		if negated && !opt.neg {
			continue
		}
		if opt.name == key {
			return opt, true
		}
		if key != "" && strings.HasPrefix(opt.name, key) {
			found = append(found, opt)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return plusOpt{}, false
}

// plusWords are dig's names for the numbers of the numeric +options in
// its refusals.
var plusWords = map[string]string{"time": "timeout", "timeout": "timeout", "tries": "tries", "retry": "retries",
	"bufsize": "buffer size", "ndots": "ndots", "padding": "padding", "qid": "qid", "split": "split", "ednsflags": "ednsflags"}

// numeric is a +option=N, refused as dig refuses it: "+time=" is no
// option (status 1), "+time=abc" no number (status 10), and out of
// range too.
func numeric(key string, lo, hi int, apply func(o *options, n int)) func(*options, bool, string, bool) error {
	return func(o *options, _ bool, val string, has bool) error {
		if !has {
			if key == "bufsize" {
				o.bufsize = 1232 // +bufsize alone: dig's default again
			}
			return nil
		}
		if val == "" {
			return errInvalidOption(key)
		}
		word := plusWords[key]
		base := 10
		if key == "ednsflags" {
			base = 0 // dig takes 0x8000 there
		}
		n, err := strconv.ParseUint(val, base, 32)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return &exitError{exitInternal, fmt.Sprintf("invalid %s '%s': out of range", word, val)}
		case err != nil:
			return &exitError{exitInternal, fmt.Sprintf("invalid %s '%s': not a valid number", word, val)}
		case int(n) < lo || n > uint64(hi) && key != "time" && key != "timeout" && key != "tries" && key != "retry":
			return &exitError{exitInternal, fmt.Sprintf("invalid %s '%s': out of range", word, val)}
		}
		apply(o, int(min(n, uint64(hi))))
		return nil
	}
}

// ednsOption is +ednsopt=code[:hexvalue] (code a number or dig's name
// for one); +noednsopt clears the list.
func ednsOption(o *options, on bool, v string, has bool) error {
	if !on {
		o.q.ednsOpts = nil
		return nil
	}
	if !has || v == "" {
		return errInvalidOption("ednsopt")
	}
	name, data, _ := strings.Cut(v, ":")
	code, ok := ednsCodes[strings.ToUpper(name)]
	if !ok {
		n, err := strconv.ParseUint(name, 0, 16)
		if err != nil {
			return &exitError{exitInternal, fmt.Sprintf("invalid edns code '%s'", name)}
		}
		code = uint16(n)
	}
	raw, err := hex.DecodeString(data)
	if err != nil {
		return &exitError{exitInternal, fmt.Sprintf("invalid edns value '%s'", data)}
	}
	o.q.ednsOpts = append(o.q.ednsOpts, ednsOpt{code, raw})
	return nil
}

// ednsCodes are the option names +ednsopt takes, as dig's.
var ednsCodes = map[string]uint16{"LLQ": 1, "UL": 2, "NSID": 3, "DAU": 5, "DHU": 6, "N3U": 7, "ECS": 8, "EXPIRE": 9,
	"COOKIE": 10, "KEEPALIVE": 11, "PADDING": 12, "CHAIN": 13, "KEY-TAG": 14, "EDE": 15, "CLIENT-TAG": 16, "SERVER-TAG": 17}

// opcodeOption is +opcode=N or a name (QUERY, IQUERY, STATUS, NOTIFY,
// UPDATE); +noopcode is QUERY again.
func opcodeOption(o *options, on bool, v string, has bool) error {
	o.q.opcode = 0
	if !on || !has {
		return nil
	}
	for n, name := range []string{"QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE"} {
		if strings.EqualFold(v, name) {
			o.q.opcode = n
			return nil
		}
	}
	n, err := strconv.ParseUint(v, 0, 4)
	if err != nil {
		return &exitError{exitInternal, fmt.Sprintf("invalid opcode '%s'", v)}
	}
	o.q.opcode = int(n)
	return nil
}

// subnetOption is +subnet=addr[/prefix] (RFC 7871); 0 alone asks the
// server to use no client address at all, as dig sends it.
func subnetOption(o *options, on bool, v string, has bool) error {
	o.q.subnet = ""
	if !on {
		return nil
	}
	if !has || v == "" {
		return errInvalidOption("subnet")
	}
	if _, err := parseSubnet(v); err != nil {
		return &exitError{exitInternal, fmt.Sprintf("invalid prefix '%s'", v)}
	}
	o.q.subnet = v
	return nil
}

// parseSubnet reads +subnet's value: an address, a prefix, or dig's
// shortened IPv4 forms (10.1/16, 0).
func parseSubnet(v string) (netip.Prefix, error) {
	addr, bits, hasBits := strings.Cut(v, "/")
	if !strings.Contains(addr, ":") {
		for strings.Count(addr, ".") < 3 {
			addr += ".0"
		}
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, err
	}
	n := a.BitLen()
	if hasBits {
		if n, err = strconv.Atoi(bits); err != nil {
			return netip.Prefix{}, err
		}
	} else if v == "0" {
		n = 0
	}
	return a.Prefix(n)
}

// errInvalidOption is dig's message for an unknown +option.
func errInvalidOption(p string) error {
	//lint:ignore ST1005 dig's words
	return fmt.Errorf("Invalid option: +%s", p)
}
