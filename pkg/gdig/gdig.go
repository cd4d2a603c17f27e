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
	"strings"

	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
)

var command = cli.Command{
	Name:     "gdig",
	Synopsis: "[@server] [-p port] [-t type] [-c class] [-x addr] [-4|-6] [--root addr]... name [type] [class] [+options]",
	Summary:  "DNS lookups with dig's output; without @server an iterative resolver that\nwalks from the root itself (+trace shows every step).",
	Words:    completionWords,
	Extra: `+options: +short +trace +tcp +norecurse +dnssec +nsid +[no]cookie +time=N +tries=N +bufsize=N
+[no]all +[no]cmd +[no]comments +[no]question +[no]answer +[no]authority +[no]additional +[no]stats
@server name AXFR transfers the zone over TCP, as dig does.
+validate validates with DNSSEC as delv does (@server: a recursive server, asked with CD);
a bogus answer is SERVFAIL and exits 1.
+tls (853), +https[=/path] (443, POST; +https-get), +quic (853): encrypted @server,
the certificate always verified (--tls-ca, +tls-hostname=NAME); a bad one exits 9.
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
	o, words, done, code := parseArgs(args, stdout, stderr)
	if done {
		return code
	}
	p := o.newPrinter(stdout)
	if o.file != "" {
		job, err := o.newBatchJob(stderr)
		if err != nil {
			return fail(stderr, err)
		}
		return o.batch(ctx, job, stdin, p, stderr)
	}
	rq, err := o.newRequest(words, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	rq.cmdLine = "; <<>> gdig " + cli.Version + " <<>> " + strings.Join(args, " ")
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
