package gdig

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// applyBits sets what the lookup's +options put in a query: the header
// bits dig lets a user set (+aaflag ... +zflag, +opcode, +qid), and EDNS
// (RFC 6891) with the options dig sends: its cookie (RFC 7873), +nsid,
// +subnet (RFC 7871), +expire (RFC 7314), +keepalive (RFC 7828),
// +ednsopt, and +padding (RFC 7830) last, as it pads what the rest made.
func (o *options) applyBits(q *dns.Msg) {
	b := o.q
	q.RecursionDesired = !o.norec
	q.Authoritative, q.AuthenticatedData, q.CheckingDisabled = b.aa, b.ad, b.cd
	q.RecursionAvailable, q.Truncated, q.Zero = b.ra, b.tc, b.z
	q.Opcode = b.opcode
	if b.qid >= 0 {
		q.Id = uint16(b.qid)
	}
	if b.edns < 0 {
		return
	}
	q.SetEdns0(uint16(o.bufsize), o.dnssec)
	opt := q.IsEdns0()
	opt.SetVersion(uint8(b.edns))
	// The DO bit is 0x8000 of the flags, CO 0x4000 (compact denial).
	flags := b.ednsFlags &^ 0x8000
	if b.coflag {
		flags |= 0x4000
	}
	opt.Hdr.Ttl |= uint32(flags)
	opt.Option = append(opt.Option, o.ednsOptions()...)
	if b.padding > 0 {
		pad(q, b.padding)
	}
}

// ednsOptions are the EDNS options of a query, in dig's order: NSID,
// client subnet, cookie, expire, keepalive, then +ednsopt's.
func (o *options) ednsOptions() []dns.EDNS0 {
	var out []dns.EDNS0
	if o.nsid {
		out = append(out, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}
	if o.q.subnet != "" {
		p, _ := parseSubnet(o.q.subnet)
		family := uint16(1)
		if p.Addr().Is6() {
			family = 2
		}
		out = append(out, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: family, SourceNetmask: uint8(p.Bits()),
			Address: net.IP(p.Masked().Addr().AsSlice())})
	}
	if o.cookie {
		c := o.cookieV
		if c == "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			c = hex.EncodeToString(b[:])
		}
		out = append(out, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: c})
	}
	if o.q.expire {
		out = append(out, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
	}
	if o.q.keepalive {
		out = append(out, &dns.EDNS0_TCP_KEEPALIVE{Code: dns.EDNS0TCPKEEPALIVE})
	}
	for _, e := range o.q.ednsOpts {
		out = append(out, &dns.EDNS0_LOCAL{Code: e.code, Data: e.data})
	}
	return out
}

// pad adds an EDNS padding option that makes q a multiple of block
// bytes long (RFC 7830, the block strategy of RFC 8467).
func pad(q *dns.Msg, block int) {
	q.Compress = true
	raw, err := q.Pack()
	if err != nil {
		return
	}
	n := len(raw) + 4 // the option's code and length
	opt := q.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_PADDING{Padding: make([]byte, (block-n%block)%block)})
}

// sign adds the TSIG record (RFC 8945) of -y or -k; miekg/dns computes
// its MAC as it packs the message.
func (o *options) sign(q *dns.Msg) {
	if o.tsig != nil {
		q.SetTsig(o.tsig.name, o.tsig.alg, 300, time.Now().Unix())
	}
}

// dialer is -b's source address[#port] for network.
func (o *options) dialer(network string) (*net.Dialer, error) {
	host, port, _ := strings.Cut(o.bind, "#")
	p, err := strconv.Atoi(port)
	if port == "" {
		p, err = 0, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("invalid address %s", o.bind)
	}
	if network == "tcp" {
		return &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip, Port: p}, Timeout: o.timeout}, nil
	}
	return &net.Dialer{LocalAddr: &net.UDPAddr{IP: ip, Port: p}, Timeout: o.timeout}, nil
}

// ednsFlagsText is dig's list of the EDNS flags: do, co, and the other
// bits it has no name for as MBZ.
func ednsFlagsText(opt *dns.OPT) string {
	flags := uint16(opt.Hdr.Ttl)
	s := ""
	if flags&0x8000 != 0 {
		s += " do"
	}
	if flags&0x4000 != 0 {
		s += " co"
	}
	if rest := flags &^ 0xc000; rest != 0 {
		s += fmt.Sprintf("; MBZ: 0x%04x", rest)
	}
	return s
}
