package gdig

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
)

// stub asks the @server's addresses in turn, as dig @server does.
func (o *options) stub(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	servers, ok, code := o.stubServers(ctx, p, stderr)
	if !ok {
		return code
	}
	if rq.qtype == dns.TypeAXFR {
		return o.axfr(ctx, rq, servers[0], p)
	}
	if o.encrypted != "" {
		q := o.query(rq.name, rq.qtype)
		q.Question[0].Qclass = rq.qclass
		return o.encryptedStub(ctx, q, rq, servers[0], p, stderr)
	}
	// With +search, dig asks the search list's names in turn while the
	// server says NXDOMAIN, each a lookup of its own, the servers and
	// their tries afresh.
	return o.searchList(rq.name, func(name string) (int, func(bool) int, int) {
		resp, code := o.ask(ctx, rq, name, &serverList{all: servers, tries: o.tries}, p)
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
func (o *options) ask(ctx context.Context, rq request, name string, list *serverList, p printer) (*reply, int) {
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
	a := &stubAsk{o: o, ctx: ctx, q: q, list: list, p: p, cmdLine: rq.cmdLine}
	r, err := a.send(stubHooks{
		failed: func(s stubServer, network string, err error, moving bool) {
			p.stubTryFailed(s, name, network, err, moving)
		},
		truncated: p.stubTruncated,
		ignored:   func(raw []byte) { p.stubIgnored(digWarnings(q, raw)) },
	})
	if err == nil {
		r, err = a.afterBadVers(r)
	}
	if err == nil {
		r, err = a.afterBadCookie(r)
	}
	var bad *badPacket
	if errors.As(err, &bad) {
		return a.badPacket(bad)
	}
	if err != nil {
		p.stubNoReply(list.cur(), a.network, rq.cmdLine, err)
		return nil, exitNoReply
	}
	return r, cli.ExitOK
}

// stubAsk is one lookup's exchange with its servers: its query, sent
// again as dig sends it after some answers.
type stubAsk struct {
	o       *options
	ctx     context.Context
	q       *dns.Msg
	list    *serverList
	p       printer
	cmdLine string
	network string // the last one used
}

// send sends the query with dig's tries, server after server; the
// reply, with the size of the answer's message as it came (dig's MSG
// SIZE). With +nofail a SERVFAIL answer sends it on to the next server,
// as dig does (not REFUSED or any other rcode); the last server's
// SERVFAIL is the answer.
func (a *stubAsk) send(hooks stubHooks) (*reply, error) {
	var got wireRead
	hooks.answered = func(w wireRead) { got = w }
	for {
		resp, rtt, network, err := a.o.exchange(a.ctx, a.q, a.list, hooks)
		a.network = network
		if err != nil {
			return nil, err
		}
		if resp.Rcode == dns.RcodeServerFailure && a.o.noFail {
			from := a.list.cur().addr
			if a.list.next() {
				a.p.stubNote(fmt.Sprintf(";; Got SERVFAIL reply from %s, trying next server", from))
				continue
			}
			a.p.stubNote(fmt.Sprintf(";; Got SERVFAIL reply from %s", from))
		}
		return a.reply(resp, rtt, got), nil
	}
}

// reply is resp, read as w, as the current server's answer.
func (a *stubAsk) reply(resp *dns.Msg, rtt time.Duration, w wireRead) *reply {
	s := a.list.cur()
	return &reply{msg: resp, rtt: rtt, server: fmt.Sprintf("%s#%d(%s) (%s)", s.addr, s.port, s.host, strings.ToUpper(a.network)),
		cmdLine: a.cmdLine, serverFound: true, serverAddr: s.addr.String(), size: w.size, wire: &w,
		from: fmt.Sprintf("%s#%d(%s)", s.addr, s.port, s.host)}
}

// badPacket handles an answer that did not parse. dig +besteffort prints
// what it read of one cut short, after a warning; otherwise dig says
// why, with the message in hex, and ends the lookup with status 0.
func (a *stubAsk) badPacket(b *badPacket) (*reply, int) {
	if a.o.bestEffort && b.read.recoverable() {
		a.p.stubWarning(";; Warning: Message parser reports malformed message packet.")
		return a.reply(b.read.msg, b.rtt, b.read), cli.ExitOK
	}
	a.p.stubBadPacket(a.list.cur(), b.read.err, b.raw)
	return nil, cli.ExitOK
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
	failed    func(s stubServer, network string, err error, moving bool) // a try at s got no answer; moving: on to the next server
	truncated func()                                                     // the answer came truncated: TCP next
	ignored   func(raw []byte)                                           // a datagram that was not the answer
	answered  func(w wireRead)                                           // the answer came, as read
}

// exchange asks the list's servers with dig's tries, over TCP with +tcp
// or once an answer comes truncated (a switch that costs no try),
// telling hooks. network is the last one used. An answer that does not
// parse ends it, a *badPacket.
func (o *options) exchange(ctx context.Context, q *dns.Msg, list *serverList, hooks stubHooks) (resp *dns.Msg, rtt time.Duration, network string, err error) {
	network = "udp"
	// dig 9.18 asks ANY over TCP unless +notcp says otherwise.
	anyQ := len(q.Question) == 1 && q.Question[0].Qtype == dns.TypeANY
	if o.tcp || anyQ && !o.tcpSet {
		network = "tcp"
	}
	for {
		var w wireRead
		s := list.cur()
		resp, w, rtt, err = o.try(ctx, q, s.target(), network, hooks.ignored)
		var bad *badPacket
		switch {
		case err == nil && resp.Truncated && network == "udp" && !o.q.ignoreTC:
			if hooks.truncated != nil {
				hooks.truncated()
			}
			network = "tcp"
			continue
		case err == nil:
			if hooks.answered != nil {
				hooks.answered(w)
			}
			return resp, rtt, network, nil
		case errors.As(err, &bad):
			return nil, 0, network, err
		}
		if hooks.failed != nil {
			hooks.failed(s, network, err, list.moving())
		}
		if !list.failed() {
			return nil, 0, network, err
		}
	}
}

// try sends q once over a connection of miekg/dns's, signed with the
// TSIG key if there is one, and reads the answer (readAnswer). size is
// the answer's message as it came: dig's MSG SIZE.
func (o *options) try(ctx context.Context, q *dns.Msg, target, network string, ignored func([]byte)) (resp *dns.Msg, w wireRead, rtt time.Duration, err error) {
	keep := network == "tcp" && o.keepOpen
	co, err := o.dial(ctx, target, network, keep)
	if err != nil {
		return nil, w, 0, err
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
	out, mac, err := o.packSigned(q)
	if err != nil {
		return nil, w, 0, err
	}
	start := time.Now()
	if _, err := co.Write(out); err != nil {
		return nil, w, 0, err
	}
	return o.readAnswer(co, q, network, start, mac, ignored)
}

// readAnswer reads co until the answer to q comes. Over UDP it ignores,
// until +time is up, the datagrams that are not (telling ignored of
// each, for dig's warnings: another ID, no QR bit, another question, too
// short for a header), as dig does. An answer that does not parse as
// BIND parses it is a *badPacket; mac is the query's TSIG MAC, which the
// answer's must follow.
func (o *options) readAnswer(co *dns.Conn, q *dns.Msg, network string, start time.Time, mac string, ignored func([]byte)) (*dns.Msg, wireRead, time.Duration, error) {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	for {
		n, err := co.Read(*bp)
		if err != nil {
			return nil, wireRead{}, 0, err
		}
		raw := (*bp)[:n]
		w, ok := answerTo(q, raw)
		switch {
		case !ok && network == "udp":
			if ignored != nil {
				ignored(raw)
			}
			continue // an answer to an earlier try, perhaps
		case !ok:
			return nil, w, 0, dns.ErrId
		case w.err != nil:
			return nil, w, 0, newBadPacket(raw, w, start)
		}
		// answerTo has read the whole message (readWire): what it read
		// is the answer, with the OPT record's upper rcode bits, as
		// dns.Msg.Unpack would give it (a second parse cost each answer
		// a microsecond).
		r := w.msg
		if opt := r.IsEdns0(); opt != nil {
			r.Rcode |= opt.ExtendedRcode()
		}
		if r.IsTsig() != nil && o.tsig != nil {
			err = dns.TsigVerifyWithProvider(raw, o.tsig.provider(), mac, false)
		}
		return r, w, time.Since(start), err
	}
}

// readBufs are receive buffers, one per exchange in flight, each room
// for any message: a batch (-f) would otherwise allocate 64 KiB a query.
var readBufs = sync.Pool{New: func() any { b := make([]byte, dns.MaxMsgSize); return &b }}

// answerTo: raw is the answer to q as dig takes it: its ID, the QR bit,
// and its question, when both have one (a question that does not read
// is taken, for readAnswer to tell of); w is raw as BIND reads it.
func answerTo(q *dns.Msg, raw []byte) (w wireRead, ok bool) {
	if len(raw) < 12 || binary.BigEndian.Uint16(raw) != q.Id || raw[2]&0x80 == 0 {
		return w, false
	}
	w = readWire(raw)
	// dig reads the whole message before it compares the questions.
	if w.err != nil || len(q.Question) != 1 || len(w.msg.Question) != 1 {
		return w, true
	}
	got, want := w.msg.Question[0], q.Question[0]
	return w, strings.EqualFold(got.Name, want.Name) && got.Qtype == want.Qtype && got.Qclass == want.Qclass
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
		return []string{";; Warning: short (< header size) message received"}
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
