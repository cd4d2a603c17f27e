package gping

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/icmpx"
)

// TestLoopback pings 127.0.0.1 and ::1 in-process: works without a lab,
// with whatever socket the machine allows (skips if none).
func TestLoopback(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), []string{"-c", "2", "-i", "0.2", host}, nil, &stdout, &stderr)
			if strings.Contains(stderr.String(), "Operation not permitted") {
				t.Skipf("no ICMP socket allowed here: %s", stderr.String())
			}
			if code != 0 || strings.Count(stdout.String(), "bytes from "+host+": icmp_seq=") != 2 || !strings.Contains(stdout.String(), "2 packets transmitted, 2 received, 0% packet loss") {
				t.Errorf("%s: exit %d\n%s%s", host, code, stdout.String(), stderr.String())
			}
		})
	}
}

// TestFormatGolden renders every line shape gping prints.
func TestFormatGolden(t *testing.T) {
	var b strings.Builder
	v4, v6 := netip.MustParseAddr("198.18.3.1"), netip.MustParseAddr("fd00:0:0:3::1")
	b.WriteString(header("198.18.3.1", v4, netip.Addr{}, "", 56, nil, 0, 0) + "\n")
	b.WriteString(header("h2.lab", v4, netip.MustParseAddr("198.18.1.2"), "east", 1450, []byte{0xab, 0xcd}, 0, 0) + "\n")
	b.WriteString(header("fd00:0:0:3::1", v6, netip.Addr{}, "", 56, nil, 0, 0) + "\n")
	b.WriteString(header("fd00:0:0:3::1", v6, netip.MustParseAddr("fd00:0:0:1::2"), "", 56, nil, 0, 0) + "\n")
	reply := icmpx.Event{Kind: icmpx.Reply, Seq: 1, TTL: 62, Size: 64, RTT: 45 * time.Microsecond}
	b.WriteString(replyLine("198.18.3.1", reply, true, -1) + "\n")
	reply.Dup, reply.RTT = true, 12345*time.Microsecond
	b.WriteString(replyLine("h2.lab (198.18.3.1)", reply, true, -1) + "\n")
	b.WriteString(replyLine("198.18.3.1", icmpx.Event{Kind: icmpx.Reply, Seq: 3, TTL: 62, Size: 16, RTT: 45 * time.Microsecond}, false, -1) + "\n")
	from := netip.MustParseAddr("198.18.1.1")
	for _, ev := range []icmpx.Event{
		{Type: 11, Code: 0}, {Type: 3, Code: 0}, {Type: 3, Code: 1}, {Type: 3, Code: 3}, {Type: 3, Code: 4, MTU: 1400}, {Type: 3, Code: 13}, {Type: 3, Code: 99},
		{ICMPv6: true, Type: 3, Code: 0}, {ICMPv6: true, Type: 1, Code: 3}, {ICMPv6: true, Type: 1, Code: 0}, {ICMPv6: true, Type: 2, MTU: 1280},
	} {
		ev.From, ev.Seq = from, 2
		b.WriteString(errorLine(ev) + "\n")
	}
	b.WriteString(timestampPrefix(time.Unix(1795366588, 198455000)) + "\n")
	c := &counts{transmitted: 3, received: 2, dups: 1, errors: 1, elapsed: 2003499 * time.Microsecond}
	for _, us := range []int64{45, 52, 61} {
		c.rtt.Add(time.Duration(us) * time.Microsecond)
	}
	b.WriteString(summary("198.18.3.1", c))
	b.WriteString(summary("198.18.3.77", &counts{transmitted: 5, elapsed: 815 * time.Millisecond}))
	untimed := *c
	untimed.untimed = true // -s 8: ping prints a blank line where the rtt line would be
	b.WriteString(summary("198.18.3.1", &untimed))
	piped := *c
	piped.pipe = 3 // -l 3: three probes out at once
	b.WriteString(summary("198.18.3.1", &piped))
	untimed.pipe = 2
	b.WriteString(summary("198.18.3.1", &untimed))
	c.ewma = 50 * time.Microsecond
	b.WriteString(statusLine(c) + "\n")
	b.WriteString(localErrorText(&icmpx.LocalErr{Err: syscall.EMSGSIZE, MTU: 1400}) + "\n")
	clitest.Golden(t, "format.golden", b.String())
}

// TestBadArgumentsBesidePing: for arguments ping refuses before it sends
// anything, gping says the same words with the same exit status.
func TestBadArgumentsBesidePing(t *testing.T) {
	var lists [][]string
	for _, args := range [][]string{
		{"-c", "-1"}, {"-c", "0"}, {"-c", "1x"}, {"-s", "abc"}, {"-s", "-1"}, {"-t", "300"}, {"-t", "abc"},
		{"-w", "-1"}, {"-w", "abc"}, {"-W", "-1"}, {"-Q", "999"}, {"-l", "0"}, {"-l", "abc"}, {"-l", "70000"},
	} {
		lists = append(lists, append(args, "127.0.0.1"))
	}
	lists = append(lists, []string{"-4", "-c", "1", "::1"}, []string{"-6", "-c", "1", "127.0.0.1"})
	clitest.SameRefusal(t, "ping", "gping", Run, lists)
}

// TestEvents holds every event gping prints to the suite's field names.
func TestEvents(t *testing.T) {
	clitest.CheckEvents(t, replyEvent{}, icmpErrorEvent{}, localErrorEvent{}, timeoutEvent{}, summaryEvent{})
}

// TestEventBytes: each event's keys in the order gping has always written
// them (alphabetical for the ones it first wrote from a map).
func TestEventBytes(t *testing.T) {
	one := 0.03
	for _, tc := range []struct {
		name string
		ev   any
		want string
	}{
		{"reply", replyEvent{Type: "reply", Host: "h", Addr: "127.0.0.1", Seq: 1, TTL: 64, Bytes: 64, RTTms: 0.030315, Time: "T"},
			`{"type":"reply","host":"h","addr":"127.0.0.1","seq":1,"ttl":64,"bytes":64,"rtt_ms":0.030315,"dup":false,"corrupt":false,"time":"T"}`},
		{"node info names", replyEvent{Type: "reply", Host: "h", Addr: "fd00::1", Seq: 1, TTL: 63, Bytes: 33, RTTms: 0.05, Time: "T",
			NodeInfo: niEventOf(&icmpx.NodeInfo{Qtype: icmpx.QtypeName, Data: []byte("\x00\x00\x00\x1e\x02h2\x03lab\x00\x02h2\x00\x00\x05ab")})},
			`{"type":"reply","host":"h","addr":"fd00::1","seq":1,"ttl":63,"bytes":33,"rtt_ms":0.05,"dup":false,"corrupt":false,"time":"T","node_info":{"qtype":2,"code":0,"names":["h2.lab.","h2"],"error":"NI data truncated"}}`},
		{"node info addresses", replyEvent{Type: "reply", Host: "h", Addr: "fd00::1", Seq: 1, TTL: 63, Bytes: 36, RTTms: 0.05, Time: "T",
			NodeInfo: niEventOf(&icmpx.NodeInfo{Qtype: icmpx.QtypeIPv6, Flags: icmpx.NIFlagTruncated, Data: append([]byte{0, 0, 0, 10}, netip.MustParseAddr("::198.18.2.1").AsSlice()...)})},
			`{"type":"reply","host":"h","addr":"fd00::1","seq":1,"ttl":63,"bytes":36,"rtt_ms":0.05,"dup":false,"corrupt":false,"time":"T","node_info":{"qtype":3,"code":0,"addresses":[{"address":"::198.18.2.1","valid_s":10}],"truncated":true}}`},
		{"node info refused", replyEvent{Type: "reply", Host: "h", Addr: "fd00::1", Seq: 1, TTL: 63, Bytes: 16, RTTms: 0.05, Time: "T",
			NodeInfo: niEventOf(&icmpx.NodeInfo{Code: icmpx.NIRefused, Qtype: icmpx.QtypeName})},
			`{"type":"reply","host":"h","addr":"fd00::1","seq":1,"ttl":63,"bytes":16,"rtt_ms":0.05,"dup":false,"corrupt":false,"time":"T","node_info":{"qtype":2,"code":1}}`},
		{"icmp_error", icmpErrorEvent{Type: "icmp_error", Host: "h", Addr: "198.18.3.1", Seq: 2, From: "198.18.1.1", Kind: "time_exceeded", ICMPType: 11, Message: "Time to live exceeded", Time: "T"},
			`{"type":"icmp_error","host":"h","addr":"198.18.3.1","seq":2,"from":"198.18.1.1","kind":"time_exceeded","icmp_type":11,"icmp_code":0,"error":"Time to live exceeded","time":"T"}`},
		{"error", localErrorEvent{Type: "error", Host: "h", Addr: "198.18.3.1", Seq: 3, Kind: "local_error", Error: "local error: message too long, mtu=1400"},
			`{"addr":"198.18.3.1","error":"local error: message too long, mtu=1400","host":"h","kind":"local_error","seq":3,"type":"error"}`},
		{"timeout", timeoutEvent{Type: "timeout", Host: "h", Addr: "198.18.3.1", Seq: 4, Sent: "T"},
			`{"addr":"198.18.3.1","host":"h","sent":"T","seq":4,"type":"timeout"}`},
		{"summary", summaryEvent{Type: "summary", Host: "h", Addr: "198.18.3.1", Transmitted: 1, Received: 1, TimeMS: 0, Min: &one},
			`{"type":"summary","host":"h","addr":"198.18.3.1","transmitted":1,"received":1,"duplicates":0,"errors":0,"loss_pct":0,"time_ms":0,"rtt_min_ms":0.03}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.ev)
			if err != nil || string(b) != tc.want {
				t.Errorf("got %s (%v)\nwant %s", b, err, tc.want)
			}
		})
	}
}
