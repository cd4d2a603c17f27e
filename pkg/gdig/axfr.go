package gdig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
)

// transfer is a zone transfer's outcome, what dig prints of it: the
// records in the order received, and the XFR size line's figures.
type transfer struct {
	rrs      []dns.RR
	records  int // the zone's records, TSIGs aside
	messages int
	bytes    int // the messages as received, TCP length fields aside
	rtt      time.Duration
	server   string // as the SERVER line names it
	cmdLine  string
	err      error // "; Transfer failed." when set
}

// axfr transfers the zone over TCP (RFC 5936) as dig @server name AXFR
// does: every message read until the SOA that opened the transfer comes
// again.
func (o *options) axfr(ctx context.Context, rq request, s stubServer, p printer) int {
	q := o.query(rq.name, dns.TypeAXFR)
	o.sign(q)
	x := transfer{server: fmt.Sprintf("%s#%d(%s) (TCP)", s.addr, s.port, s.host), cmdLine: rq.cmdLine}
	start := time.Now()
	x.err = o.readTransfer(ctx, q, s.target(), &x)
	x.rtt = time.Since(start)
	p.transfer(x)
	return cli.ExitOK
}

// readTransfer asks target for q's zone and reads the transfer into x.
func (o *options) readTransfer(ctx context.Context, q *dns.Msg, target string, x *transfer) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	co := &dns.Conn{Conn: conn}
	if o.tsig != nil {
		// WriteMsg signs q with the key; the answers' MACs are shown,
		// not checked.
		co.TsigProvider = o.tsig.provider()
	}
	_ = conn.SetDeadline(time.Now().Add(o.timeout))
	if err := co.WriteMsg(q); err != nil {
		return err
	}
	buf := make([]byte, dns.MaxMsgSize)
	for soas := 0; soas < 2; {
		_ = conn.SetDeadline(time.Now().Add(o.timeout))
		n, err := co.Read(buf)
		if err != nil {
			return err
		}
		m := new(dns.Msg)
		if err := m.Unpack(buf[:n]); err != nil {
			return err
		}
		if m.Id != q.Id || m.Rcode != dns.RcodeSuccess || (x.messages == 0 && (len(m.Answer) == 0 || m.Answer[0].Header().Rrtype != dns.TypeSOA)) {
			return errors.New("transfer refused or not a zone")
		}
		x.messages++
		x.bytes += n
		for _, rr := range m.Answer {
			x.rrs = append(x.rrs, rr)
			x.records++
			if rr.Header().Rrtype == dns.TypeSOA {
				soas++
			}
		}
		// dig prints each message's TSIG after its records.
		if t := m.IsTsig(); t != nil {
			x.rrs = append(x.rrs, t)
		}
	}
	return nil
}
