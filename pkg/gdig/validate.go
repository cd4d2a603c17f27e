package gdig

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/miekg/dns"
	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// dnssecOptions are the command line's DNSSEC validation: +validate (or
// --validate) and the trust anchor to validate from.
type dnssecOptions struct {
	validate bool
	anchors  anchorFile // --trust-anchor
}

// anchorFile is --trust-anchor's value: the file, read when the flag is
// parsed, so a bad file is refused before anything is sent.
type anchorFile struct {
	path string
	rrs  []dns.RR
}

func (a *anchorFile) String() string { return a.path }
func (a *anchorFile) Type() string   { return "FILE" }
func (a *anchorFile) Set(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rrs, err := resolver.ReadAnchors(f, path)
	if err != nil {
		return err
	}
	a.path, a.rrs = path, rrs
	return nil
}

func (o *globals) addDNSSECFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.validate, "validate", false, "validate answers with DNSSEC from the trust anchor (+validate), as delv does")
	fs.Var(&o.anchors, "trust-anchor", "trust anchor file: DS or DNSKEY records of one zone (default: the IANA root KSKs)")
}

// dnssecPlus applies +validate and +novalidate; false for any other.
func (o *options) dnssecPlus(key, _ string, _ bool) bool {
	switch key {
	case "validate":
		o.validate = true
	case "novalidate":
		o.validate = false
	default:
		return false
	}
	return true
}

// validated prints the verdict delv prints above an answer, and is the
// message to print: without +dnssec, the DNSSEC records the validation
// needed are left out, as a validating server leaves them out for a
// client that did not set DO. serverFound: the answer's command line says
// "(1 server found)".
func (o *options) validated(p printer, rq request, res *resolver.Result, serverFound bool) *dns.Msg {
	if res.Verdict == nil {
		return res.Msg
	}
	if vp, ok := p.(verdictPrinter); ok {
		vp.verdict(rq, res.Msg, *res.Verdict, serverFound)
	}
	if o.dnssec {
		return res.Msg
	}
	return stripDNSSEC(res.Msg, rq.qtype)
}

// validatedExit is the exit status: 1 for a bogus answer under +validate,
// as delv ends.
func (o *options) validatedExit(res *resolver.Result) int {
	if res.Verdict != nil && res.Verdict.Security == resolver.Bogus {
		return exitUsage
	}
	return cli.ExitOK
}

// verdictPrinter prints a validation's verdict; both printers are one.
type verdictPrinter interface {
	verdict(rq request, m *dns.Msg, v resolver.Verdict, serverFound bool)
}

// verdictText is delv's line for a verdict.
func verdictText(m *dns.Msg, v resolver.Verdict) string {
	negative := ""
	if m.Rcode == dns.RcodeNameError || (m.Rcode == dns.RcodeSuccess && len(m.Answer) == 0) {
		negative = "negative response, "
	}
	switch v.Security {
	case resolver.Secure:
		return "; " + negative + "fully validated"
	case resolver.Insecure:
		return "; " + negative + "unsigned answer"
	case resolver.Bogus:
		return ";; resolution failed: " + escapeControl(v.Reason)
	}
	return "; answer not validated"
}

// verdict prints delv's line after the command line that opens the
// lookup's output (printed here if the answer would print it), so that
// in a batch each verdict follows the line that names its lookup.
func (p *textPrinter) verdict(rq request, m *dns.Msg, v resolver.Verdict, serverFound bool) {
	if p.short {
		return
	}
	if !p.noCmd && p.sw.cmd && !p.cmdDone {
		p.printCmd(rq.cmdLine, serverFound)
		p.cmdDone = true
	}
	p.out.Printf("%s", verdictText(m, v))
}

// validationEvent is --json's verdict, before the answer it judges.
type validationEvent struct {
	EDE      uint16 `json:"ede,omitempty"`
	Name     string `json:"name"`
	QType    string `json:"qtype"`
	Reason   string `json:"reason,omitempty"`
	Security string `json:"security"`
	Type     string `json:"type"`
}

func (p jsonPrinter) verdict(rq request, _ *dns.Msg, v resolver.Verdict, _ bool) {
	ev := validationEvent{Type: "validation", Name: dns.Fqdn(rq.name), QType: dns.TypeToString[rq.qtype], Security: v.Security.String(), Reason: v.Reason}
	if v.Security == resolver.Bogus {
		ev.EDE = v.EDE
	}
	p.emit(ev)
}

// stripDNSSEC is m without RRSIG, NSEC and NSEC3 records (but those of
// the type asked for).
func stripDNSSEC(m *dns.Msg, qtype uint16) *dns.Msg {
	out := m.Copy()
	keep := func(rrs []dns.RR) []dns.RR {
		var k []dns.RR
		for _, rr := range rrs {
			switch t := rr.Header().Rrtype; {
			case t == qtype:
			case t == dns.TypeRRSIG, t == dns.TypeNSEC, t == dns.TypeNSEC3:
				continue
			}
			k = append(k, rr)
		}
		return k
	}
	out.Answer, out.Ns, out.Extra = keep(out.Answer), keep(out.Ns), keep(out.Extra)
	if opt := out.IsEdns0(); opt != nil {
		opt.SetDo(false)
	}
	return out
}

// validateStub validates with @server as the source, as delv @server
// does: the server (a recursive one) is asked every question of the
// chain with RD and CD, so it hands over what it holds unjudged, and
// gdig validates from the trust anchor itself.
func (o *options) validateStub(ctx context.Context, rq request, p printer, stderr io.Writer) int {
	addr, err := netip.ParseAddr(o.server)
	if err != nil {
		if addr, err = cli.Resolve(ctx, o.server, o.family.Family()); err != nil {
			return command.Fail(stderr, exitUsage, "couldn't get address for '%s': not found", o.server)
		}
	}
	fwd := netip.AddrPortFrom(addr, uint16(o.port))
	cfg := o.resolverConfig([]netip.AddrPort{fwd})
	cfg.Forward = fwd
	res, rtt, err, code := o.resolve(ctx, cfg, rq, p, stderr)
	if res == nil {
		return code
	}
	server := fmt.Sprintf("%s#%d(%s) (UDP)", addr, o.port, o.server)
	if err != nil {
		server = "(gdig: resolution failed)"
	}
	p.answer(reply{msg: o.validated(p, rq, res, true), rtt: rtt, server: server, cmdLine: rq.cmdLine, serverFound: true})
	return o.validatedExit(res)
}
