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

// stubServer is the lookup's @server, its name resolved; when there is
// none to ask, after dig's words, !ok and the lookup's status.
func (o *options) stubServer(ctx context.Context, p printer, stderr io.Writer) (s stubServer, ok bool, code int) {
	addr, err := netip.ParseAddr(o.server)
	switch {
	case err != nil:
		if addr, err = cli.Resolve(ctx, o.server, o.family.Family()); err != nil {
			return s, false, command.Fail(stderr, exitUsage, "couldn't get address for '%s': not found", o.server)
		}
	case o.family.V4 && !addr.Unmap().Is4():
		return s, false, command.Fail(stderr, exitUsage, "couldn't get address for '%s': address family not supported", o.server)
	case o.family.V6 && addr.Is4():
		// dig 9.18 maps the address to IPv6, and will not ask that.
		p.stubWarning(fmt.Sprintf(";; Skipping mapped address '::ffff:%s'", addr))
		p.stubWarning(";; No acceptable nameservers")
		return s, false, cli.ExitOK
	}
	return stubServer{addr: addr, host: o.server, port: o.transportPort()}, true, cli.ExitOK
}

// stub asks the @server, as dig @server does, and the lookup's own
// @server after it when it does not answer (nextServer).
func (o *options) stub(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	if o.nextServer == "" {
		return o.stubOne(ctx, rq, p, stderr)
	}
	first := o.clone()
	first.nextServer, first.moreServers = "", true
	if code := first.stubOne(ctx, rq, p, stderr); code != exitNoReply {
		return code
	}
	next := o.clone()
	next.server, next.nextServer = o.nextServer, ""
	return next.stubOne(ctx, rq, p, stderr)
}

// stubOne asks one server.
func (o *options) stubOne(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	s, ok, code := o.stubServer(ctx, p, stderr)
	if !ok {
		return code
	}
	if rq.qtype == dns.TypeAXFR {
		return o.axfr(ctx, rq, s, p)
	}
	if o.encrypted != "" {
		q := o.query(rq.name, rq.qtype)
		q.Question[0].Qclass = rq.qclass
		return o.encryptedStub(ctx, q, rq, s, p, stderr)
	}
	// With +search, dig asks the search list's names in turn while the
	// server says NXDOMAIN.
	return o.searchList(rq.name, func(name string) (int, func(bool) int, int) {
		resp, code := o.ask(ctx, rq, name, s, p)
		if resp == nil {
			return 0, nil, code
		}
		return resp.msg.Rcode, func(noStats bool) int {
			resp.noStats = noStats
			p.answer(*resp)
			return cli.ExitOK
		}, cli.ExitOK
	})
}

// ask sends the lookup's query for name to s, with dig's tries and its
// lines about them, and asks again where dig does (BADVERS, BADCOOKIE);
// nil and dig's status if no answer came.
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
	a := &stubAsk{o: o, ctx: ctx, q: q, s: s, p: p, cmdLine: rq.cmdLine}
	r, err := a.send(stubHooks{
		failed:    func(network string, err error) { p.stubTryFailed(s, name, network, err) },
		truncated: p.stubTruncated,
		ignored:   func(raw []byte) { p.stubIgnored(digWarnings(q, raw)) },
	})
	if err == nil {
		r, err = a.afterBadVers(r)
	}
	if err == nil {
		r, err = a.afterBadCookie(r)
	}
	if err != nil {
		if !o.moreServers {
			p.stubNoReply(s, a.network, rq.cmdLine, err)
		}
		return nil, exitNoReply
	}
	return r, cli.ExitOK
}

// stubAsk is one lookup's exchange with the @server: its query, sent
// again as dig sends it after some answers.
type stubAsk struct {
	o       *options
	ctx     context.Context
	q       *dns.Msg
	s       stubServer
	p       printer
	cmdLine string
	network string // the last one used
}

// send sends the query with dig's tries; the reply, with the size of the
// answer's message as it came (dig's MSG SIZE).
func (a *stubAsk) send(hooks stubHooks) (*reply, error) {
	size := 0
	hooks.answered = func(n int) { size = n }
	resp, rtt, network, err := a.o.exchange(a.ctx, a.q, a.s.target(), hooks)
	a.network = network
	if err != nil {
		return nil, err
	}
	s := a.s
	return &reply{msg: resp, rtt: rtt, server: fmt.Sprintf("%s#%d(%s) (%s)", s.addr, s.port, s.host, strings.ToUpper(network)),
		cmdLine: a.cmdLine, serverFound: true, serverAddr: s.addr.String(), size: size, from: fmt.Sprintf("%s#%d(%s)", s.addr, s.port, s.host)}, nil
}

// again sends the query anew, under a new ID.
func (a *stubAsk) again() (*reply, error) {
	a.q.Id = dns.Id()
	a.o.sign(a.q)
	return a.send(stubHooks{})
}

// afterBadVers: to a BADVERS answer naming a lower EDNS version than
// asked, dig asks again with that version (unless +noednsnegotiation).
func (a *stubAsk) afterBadVers(r *reply) (*reply, error) {
	opt := r.msg.IsEdns0()
	if r.msg.Rcode != dns.RcodeBadVers || opt == nil || int(opt.Version()) >= a.o.q.edns || a.o.noEdnsNeg {
		return r, nil
	}
	a.p.stubNote(fmt.Sprintf(";; BADVERS, retrying with EDNS version %d.", opt.Version()))
	a.q.IsEdns0().SetVersion(opt.Version())
	return a.again()
}

// afterBadCookie: to a BADCOOKIE answer, dig asks again with the
// server's cookie (RFC 7873 section 5.3; not with +nobadcookie), having
// shown that answer with +showbadcookie.
func (a *stubAsk) afterBadCookie(r *reply) (*reply, error) {
	c := serverCookie(r.msg)
	if r.msg.Rcode != dns.RcodeBadCookie || a.o.noBadCookie || c == "" {
		return r, nil
	}
	if a.o.showBadCookie {
		a.p.answer(*r)
		a.p.begin(a.o.display(), a.o.sw, true) // dig's opening lines came with it
	}
	a.p.stubNote(";; BADCOOKIE, retrying.")
	for _, e := range a.q.IsEdns0().Option {
		if ck, ok := e.(*dns.EDNS0_COOKIE); ok {
			ck.Cookie = c
		}
	}
	return a.again()
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
	answered  func(size int)                  // the answer came, a message of size bytes
}

// exchange asks target with dig's tries, over TCP with +tcp or once an
// answer comes truncated (a switch that costs no try), telling hooks.
// network is the last one used.
func (o *options) exchange(ctx context.Context, q *dns.Msg, target string, hooks stubHooks) (resp *dns.Msg, rtt time.Duration, network string, err error) {
	network = "udp"
	// dig 9.18 asks ANY over TCP unless +notcp says otherwise.
	anyQ := len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeANY
	if o.tcp || anyQ && !o.tcpSet {
		network = "tcp"
	}
	for try := 0; try < o.tries; try++ {
		var size int
		resp, size, rtt, err = o.try(ctx, q, target, network, hooks.ignored)
		if err == nil && resp.Truncated && network == "udp" && !o.q.ignoreTC {
			if hooks.truncated != nil {
				hooks.truncated()
			}
			network = "tcp"
			try--
			continue
		}
		if err == nil {
			if hooks.answered != nil {
				hooks.answered(size)
			}
			return resp, rtt, network, nil
		}
		if hooks.failed != nil {
			hooks.failed(network, err)
		}
	}
	return nil, 0, network, err
}

// try sends q once: over UDP through the resolver's exchange, which
// ignores junk from the server until +time is up, as dig does; over a
// connection of miekg/dns's where the resolver's would not do (TCP, TSIG,
// a source address, no question to match). size is the answer's message
// as it came.
func (o *options) try(ctx context.Context, q *dns.Msg, target, network string, ignored func([]byte)) (resp *dns.Msg, size int, rtt time.Duration, err error) {
	plain := o.tsig == nil && o.bind == "" && len(q.Question) == 1 && q.Opcode == dns.OpcodeQuery
	if ap, err := netip.ParseAddrPort(target); err == nil && network == "udp" && plain {
		var hear func([]byte, error)
		if ignored != nil {
			hear = func(raw []byte, _ error) { ignored(raw) }
		}
		return resolver.UDPExchangeSize(ctx, q, ap, o.timeout, false, hear)
	}
	return o.connExchange(ctx, q, target, network)
}

// connExchange sends q once over a connection of miekg/dns's, signed with
// the TSIG key if there is one, and reads the answer as its exchange
// does (over UDP, datagrams of another ID ignored), keeping the bytes
// that came: their count is dig's MSG SIZE.
func (o *options) connExchange(ctx context.Context, q *dns.Msg, target, network string) (resp *dns.Msg, size int, rtt time.Duration, err error) {
	keep := network == "tcp" && o.keepOpen
	co, err := o.dial(ctx, target, network, keep)
	if err != nil {
		return nil, 0, 0, err
	}
	defer func() {
		if keep && err == nil {
			o.kept.put(target, co) // +keepopen: for the next lookup
			return
		}
		co.Close()
	}()
	_ = co.SetDeadline(time.Now().Add(o.timeout))
	stop := context.AfterFunc(ctx, func() { _ = co.SetDeadline(time.Now()) })
	defer stop()
	co.UDPSize = dns.MaxMsgSize // room for any datagram, as dig reads them
	out, mac, err := o.packSigned(q)
	if err != nil {
		return nil, 0, 0, err
	}
	start := time.Now()
	if _, err := co.Write(out); err != nil {
		return nil, 0, 0, err
	}
	for {
		raw, err := co.ReadMsgHeader(nil)
		if err != nil {
			return nil, 0, 0, err
		}
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			return nil, 0, 0, err
		}
		if r.Id != q.Id {
			if network == "udp" {
				continue // an answer to an earlier try, perhaps
			}
			return nil, 0, 0, dns.ErrId
		}
		if r.IsTsig() != nil && o.tsig != nil {
			err = dns.TsigVerifyWithProvider(raw, o.tsig.provider(), mac, false)
		}
		return r, len(raw), time.Since(start), err
	}
}

// dial connects to target over network; with keep, the connection an
// earlier lookup kept open, if there is one.
func (o *options) dial(ctx context.Context, target, network string, keep bool) (*dns.Conn, error) {
	if keep {
		if co := o.kept.take(target); co != nil {
			return co, nil
		}
	}
	c := &dns.Client{Net: network, Timeout: o.timeout}
	if o.bind != "" {
		d, err := o.dialer(network)
		if err != nil {
			return nil, err
		}
		c.Dialer = d
	}
	return c.DialContext(ctx, target)
}

// packSigned is q as sent: signed with the lookup's TSIG key, whose MAC
// the answer's must follow (RFC 8945), or as it is.
func (o *options) packSigned(q *dns.Msg) (out []byte, mac string, err error) {
	if q.IsTsig() == nil || o.tsig == nil {
		out, err = q.Pack()
		return out, "", err
	}
	return dns.TsigGenerateWithProvider(q, o.tsig.provider(), "", false)
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
