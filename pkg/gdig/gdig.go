// Package gdig is the gdig tool; cmd/gdig is its thin wrapper.
//
// gdig is dig's command line over pkg/resolver: with @server it is a stub
// client like dig; without, it resolves the name itself, iteratively from
// the root servers (the lab's, in every test), and +trace shows every
// step, including the glueless name-server lookups dig +trace cannot do.
package gdig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gdig",
	Synopsis: "[@server] [-p port] [-b addr] [-k file|-y key] [-4|-6] [--root addr]... name [type] [class] [+options] [name [type] [+options]]...",
	Summary:  "DNS lookups with dig's output; without @server an iterative resolver that\nwalks from the root itself (+trace shows every step).",
	Words:    completionWords,
	Extra: `Every +option of dig 9.18, abbreviated as dig takes them (+mult); +noOPTION for the
ones dig negates. Several lookups on one line as dig: the options before the first name
apply to every lookup, those after a name to its lookup only. ~/.digrc's options come
first (not with -r).
+idnin/+idnout (IDN names as A-labels and back): on when stdout is a terminal, as dig.
@server NAME: every address of the name in turn (IPv6 first, as getaddrinfo sorts
them), on to the next when one does not answer, one count of +tries for the lookup;
a lookup's own @server is asked after the one before the first name, as dig.
+nofail: on to the next server after a SERVFAIL answer (+fail, dig's default: not).
+besteffort: an answer cut short is printed as far as it reads, after dig's warning.
+search, +ndots and +domain use the search list of /etc/resolv.conf. +keepopen: the
lookups over TCP share one connection per server.
+tls, +https (+https-get), +http-plain (+http-plain-get) and +quic: DNS over TLS,
HTTPS, cleartext HTTP/2 and QUIC, the certificate always verified (--tls-ca,
+tls-hostname), a client certificate with +tls-certfile and +tls-keyfile.
+validate (--validate): DNSSEC validation from the trust anchor, as delv.
+yaml: refused (use --json).
@server name AXFR transfers the zone over TCP, as dig does.
exit status (dig's): 0 answer (NXDOMAIN included; a failed resolution answers SERVFAIL),
1 usage, 9 no reply from @server, 10 internal error.`,
	BadValue: func(f *pflag.Flag, value string) (string, int, bool) {
		if f.Name == "port" {
			return fmt.Sprintf("invalid port number '%s': not a valid number", value), exitUsage, true
		}
		return "", 0, false
	},
}

// dig's exit codes.
const (
	exitUsage    = 1
	exitNoReply  = 9
	exitInternal = 10
)

// Run runs gdig with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	lookups, def, done, code := parseArgs(args, stdout, stderr)
	if done {
		return code
	}
	defer def.kept.closeAll()
	cmdLine := "; <<>> gdig " + cli.Version + " <<>> " + strings.Join(args, " ")
	if def.file != "" {
		return batch(ctx, lookups, def, cmdLine, stdin, stdout, stderr)
	}
	if len(lookups) == 0 {
		lookups = []*options{def} // dig asks for the root's NS
	}
	p := lookups[0].newPrinter(stdout)
	// Every lookup is validated before the first is sent, as a bad one
	// is a usage error that should cost no query.
	rqs := make([]request, len(lookups))
	for i, o := range lookups {
		rq, err := o.newRequest(stderr)
		if err != nil {
			return fail(stderr, err)
		}
		rq.cmdLine = cmdLine
		rqs[i] = rq
	}
	codes := make([]int, len(lookups))
	for i, o := range lookups {
		// dig prints the command line once, before the first lookup.
		p.begin(o.display(), o.sw, o.noCmd || i > 0)
		codes[i] = o.run(ctx, rqs[i], p, stderr)
	}
	return lookupsStatus(codes)
}

// lookupsStatus is the exit status of several lookups: the last one's,
// as dig 9.18 ends (a server that never answered, 9, then an answer: 0),
// but 1 when one was refused or, under +validate, bogus, as delv ends for
// a bogus answer.
func lookupsStatus(codes []int) int {
	if len(codes) == 0 {
		return cli.ExitOK // an empty batch
	}
	last := codes[len(codes)-1]
	if last == cli.ExitOK && slices.Contains(codes, exitUsage) {
		return exitUsage
	}
	return last
}

// display is the lookup's display options with what other options
// imply: -u's microseconds, +multiline's record comments.
func (o *options) display() display {
	d := o.disp
	d.usec, d.short, d.ednsSent = o.usec, o.globals.short, o.q.edns >= 0
	d.serverFirst, d.idnout = o.globals.serverFirst, o.idnout
	if d.multiline && !d.rrCommentsSet {
		d.rrComments = true
	}
	return d
}

// run makes one lookup: of its @server, or from the root.
func (o *options) run(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	if o.nssearch {
		return o.nssearchRun(ctx, rq, p, stderr)
	}
	if o.server != "" && o.validate {
		return o.validateStub(ctx, rq, p, stderr)
	}
	if o.server != "" {
		return o.stub(ctx, rq, p, stderr)
	}
	return o.iterative(ctx, rq, p, stderr)
}

// fail reports err, a command line gdig refuses, with dig's status for it:
// an exitError's own, otherwise 1.
func fail(stderr io.Writer, err error) int {
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	return command.Fail(stderr, code, "%v", err)
}

// exitError is an argument error dig ends with a status other than 1.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
