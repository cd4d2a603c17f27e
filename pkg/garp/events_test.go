package garp

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/cli/clitest"
)

// TestEvents holds every event garp prints to the suite's field names.
func TestEvents(t *testing.T) {
	clitest.CheckEvents(t, probeEvent{}, replyEvent{}, arpingSummaryEvent{}, hostEvent{}, scanSummaryEvent{},
		neighbourEvent{}, newStationEvent{}, conflictEvent{}, watchSummaryEvent{})
}

// TestEventBytes: every event's keys in alphabetical order, as garp has
// always written them.
func TestEventBytes(t *testing.T) {
	at := time.Date(2026, 12, 2, 13, 0, 0, 123456789, time.UTC)
	dst := netip.MustParseAddr("198.19.0.2")
	mac, _ := net.ParseMAC("02:00:00:00:00:02")
	reply := arpPacket{EthDst: broadcastMAC, Op: layers.ARPReply, SenderMAC: mac, SenderIP: dst}
	for _, tc := range []struct {
		name  string
		print func(p printer)
		want  string
	}{
		{"probe", func(p printer) { p.probe(dst, 1, true, at) },
			`{"addr":"198.19.0.2","broadcast":true,"host":"198.19.0.2","seq":1,"time":"2026-12-02T13:00:00.123456789Z","type":"probe"}`},
		{"reply", func(p printer) { p.reply(dst, reply, false, 1500*time.Microsecond, at) },
			`{"addr":"198.19.0.2","broadcast":false,"from":"198.19.0.2","host":"198.19.0.2","mac":"02:00:00:00:00:02","rtt_ms":1.5,"time":"2026-12-02T13:00:00.123456789Z","type":"reply"}`},
		{"arping summary", func(p printer) { p.arpingSummary(dst, 2, 1, 2, false) },
			`{"addr":"198.19.0.2","broadcasts":1,"duplicate":false,"host":"198.19.0.2","received":2,"sent":2,"type":"summary"}`},
		{"host", func(p printer) { p.host(dst, mac.String(), 2, at) },
			`{"addr":"198.19.0.2","duplicate":true,"mac":"02:00:00:00:00:02","time":"2026-12-02T13:00:00.123456789Z","type":"host"}`},
		{"scan summary", func(p printer) {
			p.scanSummary(netip.MustParsePrefix("198.19.0.0/24"), 254, 2, 508, 1234567*time.Nanosecond, "eth0")
		}, `{"elapsed_ms":1.234567,"hosts":254,"requests":508,"responded":2,"subnet":"198.19.0.0/24","type":"summary"}`},
		{"neighbour", func(p printer) { p.neighbour("198.19.0.2", "eth0", "", "INCOMPLETE") },
			`{"addr":"198.19.0.2","dev":"eth0","mac":"","state":"INCOMPLETE","type":"neighbour"}`},
		{"new station", func(p printer) { p.newStation("198.19.0.2", mac.String(), at) },
			`{"addr":"198.19.0.2","mac":"02:00:00:00:00:02","time":"2026-12-02T13:00:00.123456789Z","type":"new_station"}`},
		{"conflict", func(p printer) { p.conflict("198.19.0.2", "02:00:00:00:00:03", mac.String(), time.Second, true, at) },
			`{"addr":"198.19.0.2","gratuitous":true,"mac":"02:00:00:00:00:03","previous_mac":"02:00:00:00:00:02","time":"2026-12-02T13:00:00.123456789Z","type":"conflict"}`},
		{"watch summary", func(p printer) { p.watchSummary("eth0", 3, 1) },
			`{"conflicts":1,"interface":"eth0","stations":3,"type":"summary"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.print(&jsonPrinter{js: cli.NewNDJSON(&b)})
			if got := b.String(); got != tc.want+"\n" {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
