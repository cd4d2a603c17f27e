package cli

// EventFields is the suite's NDJSON vocabulary: the fields that mean the same
// thing in every tool, by the Go name an event struct gives them and the JSON
// name they carry. Every event is a typed struct with a Type field;
// where a struct has one of these meanings it uses this Go name and this tag
// (with ",omitempty" where the field may be absent), so
// `jq 'select(.type=="reply") | [.from, .rtt_ms]'` reads every tool alike.
// clitest.CheckEvents holds each tool's event types to this table.
//
// A struct's field order is its output order: events that were once built as
// maps keep their keys in alphabetical order, so their lines stay
// byte-for-byte what scripts have seen.
var EventFields = []EventField{
	{"Type", "type", "the event's kind: reply, timeout, icmp_error, hop, answer, summary, ..."},
	{"Host", "host", "the target as the user gave it"},
	{"Addr", "addr", "the target's address"},
	{"From", "from", "who sent what the event reports (the target, a router)"},
	{"Seq", "seq", "the probe's sequence number, as the classic prints it"},
	{"TTL", "ttl", "the probe's TTL or hop limit (or, on a reply, the reply's)"},
	{"RTTms", "rtt_ms", "round-trip time in milliseconds (Millis)"},
	{"Time", "time", "when it happened, RFC 3339 with nanoseconds (Timestamp)"},
}

// EventField is one entry of EventFields.
type EventField struct {
	GoName, JSON, Meaning string
}
