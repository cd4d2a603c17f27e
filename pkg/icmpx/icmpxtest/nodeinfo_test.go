package icmpxtest

import (
	"bytes"
	"net/netip"
	"testing"

	"gnetutils/pkg/icmpx"
)

// TestAnswer: the responder answers as RFC 4620 has a node answer.
func TestAnswer(t *testing.T) {
	a := func(s string) icmpx.NIAddr { return icmpx.NIAddr{TTL: 7, Addr: netip.MustParseAddr(s)} }
	host := NodeInfoHost{Names: []string{"h2.lab.", "h2"}, NameTTL: 30, Addrs: []icmpx.NIAddr{
		a("fd00::1"), a("fe80::1"), a("fec0::1"), a("::ffff:198.18.2.1"), a("198.18.2.1")}}
	v6 := netip.MustParseAddr("fd00::1").AsSlice()
	entry := func(s string) []byte { return append([]byte{0, 0, 0, 7}, netip.MustParseAddr(s).AsSlice()...) }
	for _, tc := range []struct {
		name     string
		host     NodeInfoHost
		code     uint8 // the query's: its subject's kind
		subject  []byte
		qtype    uint16
		flags    uint16
		answered bool
		rcode    uint8
		data     []byte
	}{
		{"names", host, icmpx.SubjectIPv6, v6, icmpx.QtypeName, 0, true, icmpx.NISuccess, []byte("\x00\x00\x00\x1e\x02h2\x03lab\x00\x02h2\x00\x00")},
		{"no flags, no addresses", host, icmpx.SubjectIPv6, v6, icmpx.QtypeIPv6, 0, true, icmpx.NISuccess, nil},
		{"global", host, icmpx.SubjectIPv6, v6, icmpx.QtypeIPv6, icmpx.NIFlagGlobal, true, icmpx.NISuccess, entry("fd00::1")},
		{"link and site", host, icmpx.SubjectIPv6, v6, icmpx.QtypeIPv6, icmpx.NIFlagLinkLocal | icmpx.NIFlagSiteLocal, true, icmpx.NISuccess, append(entry("fe80::1"), entry("fec0::1")...)},
		{"compatible", host, icmpx.SubjectIPv6, v6, icmpx.QtypeIPv6, icmpx.NIFlagCompat, true, icmpx.NISuccess, entry("::ffff:198.18.2.1")},
		{"ipv4", host, icmpx.SubjectIPv4, []byte{198, 18, 2, 1}, icmpx.QtypeIPv4, 0, true, icmpx.NISuccess, entry("198.18.2.1")},
		{"noop", host, icmpx.SubjectName, nil, icmpx.QtypeNOOP, 0, true, icmpx.NISuccess, nil},
		{"unknown qtype", host, icmpx.SubjectIPv6, v6, 9, 0, true, icmpx.NIUnknownQtype, nil},
		{"refused", NodeInfoHost{Refuse: true, Addrs: host.Addrs}, icmpx.SubjectIPv6, v6, icmpx.QtypeName, 0, true, icmpx.NIRefused, nil},
		{"fqdn subject", host, icmpx.SubjectName, []byte("\x02H2\x03lab\x00"), icmpx.QtypeIPv4, 0, true, icmpx.NISuccess, entry("198.18.2.1")},
		{"partial subject", host, icmpx.SubjectName, []byte("\x02h2\x00\x00"), icmpx.QtypeIPv4, 0, true, icmpx.NISuccess, entry("198.18.2.1")},
		{"another name", host, icmpx.SubjectName, []byte("\x02h3\x00\x00"), icmpx.QtypeName, 0, false, 0, nil},
		{"another address", host, icmpx.SubjectIPv6, netip.MustParseAddr("fd00::2").AsSlice(), icmpx.QtypeName, 0, false, 0, nil},
		{"an IPv4 address as IPv6", host, icmpx.SubjectIPv6, []byte{198, 18, 2, 1}, icmpx.QtypeName, 0, false, 0, nil},
		{"unknown subject code", host, 7, v6, icmpx.QtypeName, 0, false, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := icmpx.NodeInfo{Type: icmpx.NIQueryType, Code: tc.code, Qtype: tc.qtype, Flags: tc.flags, Nonce: [8]byte{0, 1, 2, 3, 4, 5, 6, 7}, Data: tc.subject}
			r, ok := tc.host.Answer(q)
			if ok != tc.answered {
				t.Fatalf("answered %v, want %v", ok, tc.answered)
			}
			if ok && (r.Type != icmpx.NIReplyType || r.Code != tc.rcode || r.Qtype != q.Qtype || r.Nonce != q.Nonce || r.Flags != tc.flags || !bytes.Equal(r.Data, tc.data)) {
				t.Errorf("reply %+v, want code %d data % x", r, tc.rcode, tc.data)
			}
		})
	}
}
