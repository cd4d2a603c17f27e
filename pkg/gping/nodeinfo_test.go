package gping

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

// TestNIText: what gping prints of NI Replies, each line ping 20221126's
// for the same reply in the lab (TestLabNodeInfo*).
func TestNIText(t *testing.T) {
	addr := func(s string) []byte { return append([]byte{0, 0, 0, 9}, netip.MustParseAddr(s).AsSlice()...) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name string
		m    icmpx.NodeInfo
		want string
	}{
		{"names", icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte("\x00\x00\x00\x1e\x02h2\x03lab\x00\x02h2\x00\x00")}, " h2.lab., h2; seq=1;"},
		{"name cut short", icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte("\x00\x00\x00\x1e\x02h2\x00\x05ab")}, " h2., parse error (truncated); seq=1;"},
		{"bad first name", icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte("\x00\x00\x00\x1e\xc0\x40")}, " parse error (truncated); seq=1;"},
		{"no ttl", icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte{0}}, " parse error (too short); seq=1;"},
		{"no names", icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte{0, 0, 0, 0}}, "; seq=1;"},
		{"no addresses", icmpx.NodeInfo{Qtype: icmpx.QtypeIPv6}, "; seq=1;"},
		{"addresses", icmpx.NodeInfo{Qtype: icmpx.QtypeIPv6, Data: cat(addr("fd00:0:0:2::1"), addr("fe80::2"), addr("::198.18.2.1"), addr("::ffff:198.18.2.1"), addr("::2"))},
			" fd00:0:0:2::1, fe80::2, ::198.18.2.1, ::ffff:198.18.2.1, ::2; seq=1;"},
		{"truncated", icmpx.NodeInfo{Qtype: icmpx.QtypeIPv6, Flags: icmpx.NIFlagTruncated, Data: cat(addr("fd00::1"), []byte{0, 0, 0, 0, 0xfd})},
			" fd00::1, parse error (truncated) (truncated); seq=1;"},
		{"ipv4", icmpx.NodeInfo{Qtype: icmpx.QtypeIPv4, Data: cat(addr("198.18.2.1"), addr("198.51.100.2"))}, " 198.18.2.1, 198.51.100.2; seq=1;"},
		{"refused", icmpx.NodeInfo{Code: icmpx.NIRefused, Qtype: icmpx.QtypeName}, " refused; seq=1;"},
		{"unknown qtype", icmpx.NodeInfo{Code: icmpx.NIUnknownQtype, Qtype: icmpx.QtypeName}, " unknown; seq=1;"},
		{"code 3", icmpx.NodeInfo{Code: 3, Qtype: icmpx.QtypeName}, " unknown code(300); seq=1;"},
		{"code 255", icmpx.NodeInfo{Code: 255, Qtype: icmpx.QtypeName}, " unknown code(ff00); seq=1;"},
		{"qtype 9", icmpx.NodeInfo{Qtype: 9}, " unknown qtype(0x09); seq=1;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := niText(&tc.m, 1); got != tc.want {
				t.Errorf("niText: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNodeInfoWords reads -N words into the query as ping does.
func TestNodeInfoWords(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  *icmpx.NIQuery
		code  int    // of a refusal; -1: none
		out   string // on stdout
	}{
		{[]string{"name"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName}, -1, ""},
		{[]string{"fqdn"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName}, -1, ""},
		{[]string{"ipv6-all", "ipv6-global", "ipv6-linklocal"}, &icmpx.NIQuery{Qtype: icmpx.QtypeIPv6, Flags: 0x2a}, -1, ""},
		{[]string{"ipv4-all"}, &icmpx.NIQuery{Qtype: icmpx.QtypeIPv4, Flags: 2}, -1, ""},
		{[]string{"subject-ipv4=198.18.2.1", "name"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName, SubjectCode: 2, Subject: []byte{198, 18, 2, 1}}, -1, ""},
		{[]string{"subject-ipv6=::ffff:1.2.3.4", "ipv6"}, &icmpx.NIQuery{Qtype: icmpx.QtypeIPv6, Subject: netip.MustParseAddr("::ffff:1.2.3.4").AsSlice()}, -1, ""},
		{[]string{"name", "subject-name=H2.Lab"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName, SubjectCode: 1, Subject: []byte("\x02h2\x03lab\x00")}, -1, ""},
		{[]string{"name", "subject-name=h2%eth0"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName, SubjectCode: 1, Subject: []byte("\x02h2\x00\x00")}, -1, ""},
		// As ping, subject-fqdn never marks the name fully qualified.
		{[]string{"name", "subject-fqdn=h2.lab"}, &icmpx.NIQuery{Qtype: icmpx.QtypeName, SubjectCode: 1, Subject: []byte("\x02h2\x03lab\x00\x00")}, -1, ""},
		{[]string{"subject-ipv6=::1"}, nil, -1, ""},
		{[]string{"help"}, nil, cli.ExitOK, "gping -6 -N <nodeinfo opt>\n"},
		{[]string{"bogus"}, nil, cli.ExitUsage, ""},
		{[]string{"name=x"}, nil, cli.ExitUsage, ""},
		{[]string{"name", "ipv4"}, nil, cli.ExitUsage, "Qtype conflict\n"},
		{[]string{"subject-ipv6=::1", "subject-name=a"}, nil, cli.ExitUsage, "Subject type conflict\n"},
		{[]string{"subject-ipv4=::1"}, nil, cli.ExitUsage, ""},
		{[]string{"subject-name=a..b"}, nil, cli.ExitFail, ""},
		{[]string{"subject-name=-a"}, nil, cli.ExitUsage, ""},
		{[]string{"subject-name=a%0123456789abcdef"}, nil, cli.ExitFail, ""},
	} {
		t.Run(strings.Join(tc.words, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			q, err := nodeInfo(context.Background(), tc.words, &stdout, &stderr)
			code := -1
			var r niRefusal
			if errors.As(err, &r) {
				code = r.code
			}
			if code != tc.code || !strings.HasPrefix(stdout.String(), tc.out) || (tc.out == "" && stdout.Len() > 0) {
				t.Errorf("refusal %d, want %d; stdout %q", code, tc.code, stdout.String())
			}
			if (q == nil) != (tc.want == nil) || (q != nil && (q.Qtype != tc.want.Qtype || q.Flags != tc.want.Flags ||
				q.SubjectCode != tc.want.SubjectCode || !bytes.Equal(q.Subject, tc.want.Subject))) {
				t.Errorf("query %+v, want %+v", q, tc.want)
			}
		})
	}
}
