// Package icmpkind says, once for every probe engine, what an ICMP or ICMPv6
// message about a probe means: its Kind. icmpx (echo probes), udpprobe (UDP
// probes, errors from the error queue) and gtraceroute's TCP probes all
// classify with Of, so a router's answer means the same whichever way the
// probe went.
package icmpkind

// Kind is what an answer to a probe is.
type Kind int

const (
	Reply        Kind = iota // an echo reply to an echo probe
	TimeExceeded             // a router's TTL / hop limit ran out
	Unreachable              // destination unreachable (all codes but frag needed)
	FragNeeded               // IPv4 frag needed and DF set / IPv6 packet too big
	ParamProblem             // parameter problem
	OtherError               // any other ICMP error about a probe (source quench, redirect)
	LocalError               // the local stack refused or failed a probe
	Arrived                  // a port unreachable from the destination: a UDP probe got there
)

var names = [...]string{"reply", "time_exceeded", "unreachable", "frag_needed", "param_problem", "other_error", "local_error", "arrived"}

// String is the kind's name in the tools' NDJSON ("time_exceeded", ...).
func (k Kind) String() string { return names[k] }

// ICMP and ICMPv6 error types and codes (RFC 792, RFC 4443), once for every
// engine: icmpx parses with them, Of classifies by them.
const (
	V4DestUnreach  = 3
	V4TimeExceeded = 11
	V4ParamProblem = 12
	V6DestUnreach  = 1
	V6PacketTooBig = 2
	V6TimeExceeded = 3
	V6ParamProblem = 4
	V4FragNeeded   = 4 // destination unreachable's code
	V4PortUnreach  = 3
	V6PortUnreach  = 4
)

// Of is what an ICMP (ICMPv6 when v6) error of this type and code is.
func Of(v6 bool, typ, code uint8) Kind {
	if v6 {
		switch typ {
		case V6DestUnreach:
			return Unreachable
		case V6PacketTooBig:
			return FragNeeded
		case V6TimeExceeded:
			return TimeExceeded
		case V6ParamProblem:
			return ParamProblem
		}
		return OtherError
	}
	switch typ {
	case V4DestUnreach:
		if code == V4FragNeeded {
			return FragNeeded
		}
		return Unreachable
	case V4TimeExceeded:
		return TimeExceeded
	case V4ParamProblem:
		return ParamProblem
	}
	return OtherError
}

// PortUnreachable reports a port unreachable: from the destination, the
// arrival of a UDP probe.
func PortUnreachable(v6 bool, typ, code uint8) bool {
	if v6 {
		return typ == V6DestUnreach && code == V6PortUnreach
	}
	return typ == V4DestUnreach && code == V4PortUnreach
}
