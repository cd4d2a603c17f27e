package gping

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

// ping -N <nodeinfo opt> sends IPv6 Node Information Queries (RFC 4620,
// icmpx/nodeinfo.go) instead of echo requests. Each -N is one word of
// ping's: a query (name, ipv6 and its flags, ipv4) or a subject
// (subject-ipv6=, subject-ipv4=, subject-name=, subject-fqdn=). A subject
// alone asks nothing: ping then sends echo requests, as it does to an IPv4
// destination, always from a raw socket.

// niHelp is what ping -N help prints (on stdout; on stderr with status 2
// after a word it does not take).
const niHelp = `%s -6 -N <nodeinfo opt>
Help:
  help
Query:
  name
  ipv6
  ipv6-all
  ipv6-compatible
  ipv6-global
  ipv6-linklocal
  ipv6-sitelocal
  ipv4
  ipv4-all
Subject:
  subject-ipv6=addr
  subject-ipv4=addr
  subject-name=name
  subject-fqdn=name
`

// niWords are ping's -N words without a value: the Qtype each asks and
// the flag it adds. "fqdn" is ping's other word for name, left out of its
// help.
var niWords = map[string]struct{ qtype, flag uint16 }{
	"name":            {icmpx.QtypeName, 0},
	"fqdn":            {icmpx.QtypeName, 0},
	"ipv6":            {icmpx.QtypeIPv6, 0},
	"ipv6-all":        {icmpx.QtypeIPv6, icmpx.NIFlagAll},
	"ipv6-compatible": {icmpx.QtypeIPv6, icmpx.NIFlagCompat},
	"ipv6-linklocal":  {icmpx.QtypeIPv6, icmpx.NIFlagLinkLocal},
	"ipv6-sitelocal":  {icmpx.QtypeIPv6, icmpx.NIFlagSiteLocal},
	"ipv6-global":     {icmpx.QtypeIPv6, icmpx.NIFlagGlobal},
	"ipv4":            {icmpx.QtypeIPv4, 0},
	"ipv4-all":        {icmpx.QtypeIPv4, icmpx.NIFlagAll},
}

// niOptions gathers the -N words as ping does, one after another.
type niOptions struct {
	query   icmpx.NIQuery
	asked   bool // a query word was given: NI Queries go out
	subject bool // a subject word was given
	stdout  io.Writer
	stderr  io.Writer
}

// niRefusal ends Run: ping's words and status for a -N word it refuses or
// answers (help).
type niRefusal struct{ code int }

func (niRefusal) Error() string { return "-N" }

// readNodeInfo reads the -N words into o.ni; done: Run ends here with
// code (help, or a word refused), ping's words printed.
func (o *options) readNodeInfo(ctx context.Context, stdout, stderr io.Writer) (done bool, code int) {
	ni, err := nodeInfo(ctx, o.nodeInfo, stdout, stderr)
	var refused niRefusal
	if errors.As(err, &refused) {
		return true, refused.code
	}
	o.ni = ni
	return false, 0
}

// nodeInfo reads the -N words into the query gping sends; nil without a
// query word. A refusal (or help) is a niRefusal, its words printed.
func nodeInfo(ctx context.Context, words []string, stdout, stderr io.Writer) (*icmpx.NIQuery, error) {
	n := niOptions{stdout: stdout, stderr: stderr}
	for _, w := range words {
		if err := n.word(ctx, w); err != nil {
			return nil, err
		}
	}
	if !n.asked {
		return nil, nil
	}
	return &n.query, nil
}

// word takes one -N word. As ping: help on stdout ends the run with 0, a
// word not taken (unknown, in conflict, a subject not found) prints the
// help on stderr and ends it with 2.
func (n *niOptions) word(ctx context.Context, w string) error {
	key, value, hasValue := strings.Cut(w, "=")
	q, isQuery := niWords[w]
	ok := false
	switch {
	case w == "help":
		fmt.Fprintf(n.stdout, niHelp, command.Name)
		return niRefusal{cli.ExitOK}
	case isQuery:
		ok = n.setQtype(q.qtype, q.flag)
	case hasValue && (key == "subject-ipv6" || key == "subject-ipv4"):
		ok = n.setSubjectAddr(ctx, key == "subject-ipv6", value)
	case hasValue && (key == "subject-name" || key == "subject-fqdn"):
		if err := n.setSubjectName(value, key == "subject-name"); err != nil {
			return err
		}
		ok = true
	}
	if !ok {
		fmt.Fprintf(n.stderr, niHelp, command.Name)
		return niRefusal{cli.ExitUsage}
	}
	return nil
}

// setQtype sets the query's Qtype, adding flag; false for a second Qtype.
func (n *niOptions) setQtype(qtype, flag uint16) bool {
	if n.asked && n.query.Qtype != qtype {
		fmt.Fprintln(n.stdout, "Qtype conflict")
		return false
	}
	n.asked, n.query.Qtype = true, qtype
	n.query.Flags |= flag
	return true
}

// setSubject sets the subject's kind; false for a second kind.
func (n *niOptions) setSubject(code uint8) bool {
	if n.subject && n.query.SubjectCode != code {
		fmt.Fprintln(n.stdout, "Subject type conflict")
		return false
	}
	n.subject, n.query.SubjectCode = true, code
	return true
}

// setSubjectAddr makes the address host names the subject, resolved as
// ping resolves it (a name through the resolver, for its family).
func (n *niOptions) setSubjectAddr(ctx context.Context, v6 bool, host string) bool {
	code, family := uint8(icmpx.SubjectIPv4), cli.IPv4Only
	if v6 {
		code, family = icmpx.SubjectIPv6, cli.IPv6Only
	}
	if !n.setSubject(code) {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Is6() != v6 {
		// A literal of the other family is refused here in glibc's words.
		if a, err = cli.Resolve(ctx, host, family); err != nil {
			cli.Errorf(n.stderr, command.Name, "%v", err)
			return false
		}
	}
	n.query.Subject = a.AsSlice()
	return true
}

// setSubjectName makes name the subject, as ping encodes it: IDN to ASCII,
// a %scope left out, lower case; fully qualified when it has a dot, and
// (as ping, whatever its word says) never with subject-fqdn.
func (n *niOptions) setSubjectName(name string, guessFQDN bool) error {
	if !n.setSubject(icmpx.SubjectName) {
		fmt.Fprintf(n.stderr, niHelp, command.Name)
		return niRefusal{cli.ExitUsage}
	}
	ascii, err := idnLookup(name)
	if err != nil {
		return niFail(n.stderr, cli.ExitUsage, "IDN encoding error: %v", err)
	}
	if i := strings.IndexByte(ascii, '%'); i >= 0 {
		if len(ascii[i+1:]) >= 16 { // IFNAMSIZ, its NUL included
			return niFail(n.stderr, cli.ExitFail, "too long scope name")
		}
		ascii = ascii[:i]
	}
	canon := asciiLower(ascii)
	wire, err := icmpx.EncodeName(canon)
	if err != nil {
		return niFail(n.stderr, cli.ExitFail, "inappropriate subject name: %s", canon)
	}
	if !guessFQDN || !strings.Contains(canon, ".") {
		wire = append(wire, 0) // RFC 4620: a name not fully qualified
	}
	n.query.Subject = wire
	return nil
}

// niFail prints a refusal of a -N word and ends the run with code.
func niFail(stderr io.Writer, code int, format string, args ...any) error {
	cli.Errorf(stderr, command.Name, format, args...)
	return niRefusal{code}
}

// asciiLower lowers A-Z only, as ping's tolower in the C locale.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// niText is what ping prints of an NI Reply after "N bytes from host:"
// (pr_niquery_reply): the names or addresses it carries, or what became of
// the query, and the sequence number its nonce holds.
func niText(m *icmpx.NodeInfo, seq uint16) string {
	var b strings.Builder
	switch m.Code {
	case icmpx.NISuccess:
		switch m.Qtype {
		case icmpx.QtypeName:
			niNamesText(&b, m)
		case icmpx.QtypeIPv4, icmpx.QtypeIPv6:
			niAddrsText(&b, m)
		default:
			fmt.Fprintf(&b, " unknown qtype(0x%02x)", m.Qtype)
		}
	case icmpx.NIRefused:
		b.WriteString(" refused")
	case icmpx.NIUnknownQtype:
		b.WriteString(" unknown")
	default:
		// ping passes the one-byte code through ntohs: on a
		// little-endian machine code 3 comes out as 300.
		fmt.Fprintf(&b, " unknown code(%02x)", uint16(m.Code)<<8)
	}
	fmt.Fprintf(&b, "; seq=%d;", seq)
	return b.String()
}

// niNamesText prints a Node Name reply's names, comma-separated, as ping.
func niNamesText(b *strings.Builder, m *icmpx.NodeInfo) {
	_, names, err := m.Names()
	if err == icmpx.ErrNIShort {
		b.WriteString(" parse error (too short)")
		return
	}
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" " + n.String())
	}
	if err != nil {
		if len(names) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" parse error (truncated)")
	}
}

// niAddrsText prints a Node Addresses reply's addresses (not their TTLs),
// comma-separated, as ping, and whether the node left some out.
func niAddrsText(b *strings.Builder, m *icmpx.NodeInfo) {
	addrs, err := m.Addrs()
	for i, a := range addrs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" " + cli.Ntop(a.Addr))
	}
	if err != nil {
		if len(addrs) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" parse error (truncated)")
	}
	if m.Flags&icmpx.NIFlagTruncated != 0 {
		b.WriteString(" (truncated)")
	}
}
