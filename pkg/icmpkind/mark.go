package icmpkind

import "fmt"

// unreachableMarks is traceroute's mark for each destination-unreachable
// code, as traceroute 2.1 (Debian's) prints them; "" for a port
// unreachable, which traceroute takes for arrival whoever sent it (a
// firewall that rejects with it looks like the destination). IPv4 code 4
// (frag needed) is not here: its mark carries the MTU.
var unreachableMarks = [2]map[uint8]string{
	{ // ICMP (RFC 792, RFC 1122, RFC 1812)
		0:  "!N", // net unreachable
		1:  "!H", // host unreachable
		2:  "!P", // protocol unreachable
		3:  "",   // port unreachable
		5:  "!S", // source route failed
		6:  "!N", // destination network unknown
		7:  "!H", // destination host unknown
		8:  "!N", // source host isolated
		9:  "!X", // network administratively prohibited
		10: "!X", // host administratively prohibited
		11: "!N", // network unreachable for TOS
		12: "!H", // host unreachable for TOS
		13: "!X", // communication administratively prohibited
		14: "!V", // host precedence violation
		15: "!C", // precedence cutoff in effect
	},
	{ // ICMPv6 (RFC 4443)
		0: "!N", // no route to destination
		1: "!X", // administratively prohibited
		2: "!H", // beyond scope of source address
		3: "!H", // address unreachable
		4: "",   // port unreachable
	},
}

// Mark is traceroute's annotation of an ICMP (ICMPv6 when v6) error that
// ends a trace: !N, !H, !X ... for destination unreachable, !<code> for a
// code it has no letter for, !F-<mtu> for frag needed / packet too big,
// !<type-code> for any other error; "" for a port unreachable and for a
// plain time exceeded, which end nothing.
func Mark(v6 bool, typ, code uint8, mtu int) string {
	family := 0
	unreach, tooBig, exceeded := typ == V4DestUnreach, typ == V4DestUnreach && code == V4FragNeeded, typ == V4TimeExceeded
	if v6 {
		family = 1
		unreach, tooBig, exceeded = typ == V6DestUnreach, typ == V6PacketTooBig, typ == V6TimeExceeded
	}
	switch {
	case tooBig:
		return fmt.Sprintf("!F-%d", mtu)
	case unreach:
		if m, ok := unreachableMarks[family][code]; ok {
			return m
		}
		return fmt.Sprintf("!<%d>", code)
	case exceeded && code == 0:
		return ""
	}
	return fmt.Sprintf("!<%d-%d>", typ, code)
}
