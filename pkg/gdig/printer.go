package gdig

import (
	"io"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// printer is gdig's output: dig's text (textPrinter) or NDJSON
// (jsonPrinter), chosen once in Run. The text printer says what dig says
// where dig says it; the NDJSON one prints one event per line, and stays
// silent where dig's words only narrate (the opening lines, each failed
// try).
type printer interface {
	// begin: the lookup about to be printed has these display options.
	begin(d display, sw sections, noCmd bool)
	// sent: +qr, the query before it is sent.
	sent(q *dns.Msg, cmdLine string)
	// answer prints a final response.
	answer(r reply)
	// stubServers: the @server's name has found addresses, dig's "; (N
	// servers found)".
	stubServers(found int)
	// stubTryFailed: one try at the @server got no answer.
	stubTryFailed(s stubServer, name, network string, err error, moving bool)
	// stubNote: a line of dig's about what the stub does next (one of
	// its comments).
	stubNote(line string)
	// stubWarning: one of dig's warnings about the @server.
	stubWarning(line string)
	// stubBadPacket: s's answer did not parse (raw), for why.
	stubBadPacket(s stubServer, why error, raw []byte)
	// stubTruncated: the answer came truncated, the stub asks over TCP.
	stubTruncated()
	// stubIgnored: a datagram that was not the answer, with dig's
	// warnings about it.
	stubIgnored(warnings []string)
	// stubNoReply: every try at the @server failed; network is the last
	// one tried.
	stubNoReply(s stubServer, network, cmdLine string, err error)
	// traceStart opens +trace's output; traceStep prints one step of the
	// resolution.
	traceStart(cmdLine string)
	traceStep(e resolver.Event)
	// transfer prints a zone transfer (AXFR), or that it failed.
	transfer(x transfer)
	// resolveFailed: the resolution from the root found no answer.
	resolveFailed(name string, qtype uint16, err error)
	// nsAnswer: +nssearch, the answer of one of the zone's servers.
	nsAnswer(r reply)
	// nsFailed: +nssearch, a server of the zone (address#port) did not
	// answer.
	nsFailed(server string, err error)
	// nsNoAddress: +nssearch, a name server's name has no address.
	nsNoAddress(name string)
	// nsNoneReached: +nssearch, none of the zone's servers answered.
	nsNoneReached(name string)
}

// reply is a final response and what dig prints around it.
type reply struct {
	msg         *dns.Msg
	rtt         time.Duration
	server      string // as the SERVER line names it
	cmdLine     string
	serverFound bool   // the stub's "; (1 server found)"
	serverAddr  string // +identify's server
	from        string // +identify's "Received ... from": address#port(@server as given)
	size        int    // bytes of the message as received; 0: not known, repacked
	noStats     bool   // dig prints no stats after it (searchName)
	queries     int    // queries a resolution from the root took
	traced      bool   // +trace's last step has shown it already
	// wire: the message as BIND's parser read it (a stub's answer): dig
	// shows the header's counts as they came, and warns of bytes after
	// where reading ended; with +besteffort, msg is as much as was read.
	wire *wireRead
}

// newPrinter is the printer for stdout: NDJSON with --json (or +json),
// dig's text otherwise.
func (o *options) newPrinter(stdout io.Writer) printer {
	if o.common.JSON {
		return jsonPrinter{cli.NewNDJSON(stdout)}
	}
	d := o.display()
	if o.idnout {
		stdout = idnWriter{stdout}
	}
	return &textPrinter{out: cli.NewLines(stdout), short: o.globals.short, noCmd: o.globals.noCmd, sw: o.sw, d: d}
}
