package gdig

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// stubServer is the @server: its address, the name the user gave and the
// port, as dig names a server in its messages.
type stubServer struct {
	addr netip.Addr
	host string
	port int
}

func (s stubServer) target() string { return net.JoinHostPort(s.addr.String(), strconv.Itoa(s.port)) }

// stub asks one server, as dig @server does.
func (o *options) stub(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	addr, err := netip.ParseAddr(o.server)
	if err != nil {
		if addr, err = cli.Resolve(ctx, o.server, o.family.Family()); err != nil {
			return command.Fail(stderr, exitUsage, "couldn't get address for '%s': not found", o.server)
		}
	}
	s := stubServer{addr: addr, host: o.server, port: o.transportPort()}
	if rq.qtype == dns.TypeAXFR {
		return o.axfr(ctx, rq, s, p)
	}
	if o.encrypted != "" {
		q := o.query(rq.name, rq.qtype)
		q.Question[0].Qclass = rq.qclass
		return o.encryptedStub(ctx, q, rq, s, p, stderr)
	}
	// With +search, dig asks the search list's names in turn while the
	// server says NXDOMAIN, and prints the last (each, with +showsearch).
	names := o.searchNames(rq.name)
	for i, name := range names {
		resp, code := o.ask(ctx, rq, name, s, p)
		if resp == nil {
			return code
		}
		last := i == len(names)-1 || resp.msg.Rcode != dns.RcodeNameError
		if last || o.showSearch {
			p.answer(*resp)
			// dig's command line opens only the first answer shown.
			p.begin(o.display(), o.sw, true)
		}
		if last {
			break
		}
	}
	return cli.ExitOK
}

// ask sends the lookup's query for name to s, with dig's tries and its
// lines about them; nil and dig's status if no answer came.
func (o *options) ask(ctx context.Context, rq request, name string, s stubServer, p printer) (*reply, int) {
	q := o.query(name, rq.qtype)
	q.Question[0].Qclass = rq.qclass
	if rq.qtype == dns.TypeIXFR {
		q.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeSOA, Class: rq.qclass}, Serial: rq.serial}}
	}
	if o.q.headerOnly {
		q.Question = nil
	}
	o.sign(q)
	if o.disp.qr {
		p.sent(q, rq.cmdLine)
	}
	resp, rtt, network, err := o.exchange(ctx, q, s.target(), stubHooks{
		failed:    func(network string, err error) { p.stubTryFailed(s, name, network, err) },
		truncated: p.stubTruncated,
		ignored:   func(raw []byte) { p.stubIgnored(digWarnings(q, raw)) },
	})
	if err == nil && resp.Rcode == dns.RcodeBadVers && o.q.edns > 0 {
		// dig asks again with the version the server knows.
		p.stubNote(";; BADVERS, retrying with EDNS version 0.")
		q.IsEdns0().SetVersion(0)
		q.Id = dns.Id()
		o.sign(q)
		resp, rtt, network, err = o.exchange(ctx, q, s.target(), stubHooks{})
	}
	if err == nil && resp.Rcode == dns.RcodeBadCookie && !o.noBadCookie {
		if c := serverCookie(resp); c != "" {
			p.stubNote(";; BADCOOKIE, retrying.")
			for _, e := range q.IsEdns0().Option {
				if ck, ok := e.(*dns.EDNS0_COOKIE); ok {
					ck.Cookie = c
				}
			}
			q.Id = dns.Id()
			o.sign(q)
			resp, rtt, network, err = o.exchange(ctx, q, s.target(), stubHooks{})
		}
	}
	if err != nil {
		p.stubNoReply(s, network, rq.cmdLine, err)
		return nil, exitNoReply
	}
	server := fmt.Sprintf("%s#%d(%s) (%s)", s.addr, s.port, s.host, strings.ToUpper(network))
	return &reply{msg: resp, rtt: rtt, server: server, cmdLine: rq.cmdLine, serverFound: true, serverAddr: s.addr.String()}, cli.ExitOK
}

// query is the question a stub asks, with the lookup's +options applied
// (query.go).
func (o *options) query(name string, qtype uint16) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	o.applyBits(q)
	return q
}

// stubHooks hear what happens during a stub's exchange, for dig's lines
// about it; any may be nil.
type stubHooks struct {
	failed    func(network string, err error) // a try got no answer
	truncated func()                          // the answer came truncated: TCP next
	ignored   func(raw []byte)                // a datagram that was not the answer
}

// exchange asks target with dig's tries, over TCP with +tcp or once an
// answer comes truncated (a switch that costs no try), telling hooks.
// network is the last one used.
func (o *options) exchange(ctx context.Context, q *dns.Msg, target string, hooks stubHooks) (resp *dns.Msg, rtt time.Duration, network string, err error) {
	network = "udp"
	if o.tcp {
		network = "tcp"
	}
	for try := 0; try < o.tries; try++ {
		resp, rtt, err = o.try(ctx, q, target, network, hooks.ignored)
		if err == nil && resp.Truncated && network == "udp" && !o.q.ignoreTC {
			if hooks.truncated != nil {
				hooks.truncated()
			}
			network = "tcp"
			try--
			continue
		}
		if err == nil {
			return resp, rtt, network, nil
		}
		if hooks.failed != nil {
			hooks.failed(network, err)
		}
	}
	return nil, 0, network, err
}

// try sends q once: over UDP through the resolver's exchange, which
// ignores junk from the server until +time is up, as dig does; through
// miekg/dns's client where the resolver's would not do (TCP, TSIG, a
// source address, no question to match).
func (o *options) try(ctx context.Context, q *dns.Msg, target, network string, ignored func([]byte)) (*dns.Msg, time.Duration, error) {
	plain := o.tsig == nil && o.bind == "" && len(q.Question) == 1 && q.Opcode == dns.OpcodeQuery
	if ap, err := netip.ParseAddrPort(target); err == nil && network == "udp" && plain {
		var hear func([]byte, error)
		if ignored != nil {
			hear = func(raw []byte, _ error) { ignored(raw) }
		}
		return resolver.UDPExchange(ctx, q, ap, o.timeout, false, hear)
	}
	c := &dns.Client{Net: network, Timeout: o.timeout, UDPSize: uint16(o.bufsize)}
	if o.tsig != nil {
		c.TsigProvider = o.tsig.provider()
	}
	if o.bind != "" {
		d, err := o.dialer(network)
		if err != nil {
			return nil, 0, err
		}
		c.Dialer = d
	}
	return c.ExchangeContext(ctx, q, target)
}

// commError is dig's word for why a query got no answer.
func commError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	}
	return err.Error()
}

// digWarnings are dig's lines about a datagram that was not the answer
// to q: another ID, not a response, another question.
func digWarnings(q *dns.Msg, raw []byte) []string {
	if len(raw) < 12 {
		return nil
	}
	var out []string
	id := binary.BigEndian.Uint16(raw)
	if id != q.Id {
		out = append(out, fmt.Sprintf(";; Warning: ID mismatch: expected ID %d, got %d", q.Id, id))
	}
	if raw[2]&0x80 == 0 {
		out = append(out, ";; Warning: query response not set")
	}
	m := new(dns.Msg)
	if len(out) > 0 || m.Unpack(raw) != nil || len(m.Question) != 1 {
		return out
	}
	// dig's own doubled ";; ", and the name without its final dot.
	got := m.Question[0]
	return []string{fmt.Sprintf(";; ;; Question section mismatch: got %s/%s/%s", escapeControl(strings.TrimSuffix(got.Name, ".")),
		dns.TypeToString[got.Qtype], dns.ClassToString[got.Qclass])}
}

// serverCookie is the client and server cookie of a response, to send
// back; "" if it holds no server cookie.
func serverCookie(m *dns.Msg) string {
	if opt := m.IsEdns0(); opt != nil {
		for _, e := range opt.Option {
			if c, ok := e.(*dns.EDNS0_COOKIE); ok && len(c.Cookie) > 16 {
				return c.Cookie
			}
		}
	}
	return ""
}
