package gpmtud

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
)

func us(n int) time.Duration { return time.Duration(n) * time.Microsecond }

// goldenOutcomes has an outcome of every kind a probed size comes to.
func goldenOutcomes() []outcome {
	a := netip.MustParseAddr
	return []outcome{
		{res: resThrough, size: 1500, from: a("198.18.4.1"), rtt: us(1234), replyTTL: 61, sent: 1},
		{res: resTooBig, size: 1500, from: a("198.18.2.1"), mtu: 1400, rtt: us(500), typ: 3, code: 4, sent: 1},
		{res: resTooBig, size: 1500, from: a("fd00:0:0:2::1"), mtu: 1280, rtt: us(77), typ: 2, icmpv6: true, sent: 2},
		{res: resLocal, size: 9000, mtu: 1500, sent: 1},
		{res: resLost, size: 1450, sent: 3},
		{res: resHop, size: 1300, ttl: 2, from: a("198.18.2.1"), rtt: us(300), sent: 1},
		{res: resUnreachable, size: 1300, from: a("198.18.3.1"), typ: 3, code: 1, sent: 1},
		{res: resUnreachable, size: 1300, from: a("fd00:0:0:3::1"), typ: 1, code: 4, icmpv6: true, sent: 1},
	}
}

// goldenRun prints, through p, every line and event gpmtud has.
func goldenRun(p printer) {
	a := netip.MustParseAddr
	for _, o := range goldenOutcomes() {
		p.step(o)
	}
	for _, o := range goldenOutcomes() {
		p.check(o.size-28, o)
	}
	p.localhost(1500)
	for _, h := range []hopLine{
		{ttl: 1, from: a("198.18.1.1"), rtt: us(150), back: 1},
		{ttl: 2, noReply: true},
		{ttl: 3, from: a("198.18.3.1"), rtt: us(2500), pmtu: 1400, back: 3},
		{ttl: 4, from: a("198.18.4.1"), rtt: us(12345), pmtu: 1300, blackHole: true, back: 61},
		{ttl: 5, from: a("198.18.5.1"), rtt: us(1000001), reached: true},
		{ttl: 6, from: a("198.18.6.1"), rtt: us(7), annot: "!H"},
	} {
		p.hop(h)
	}
	p.resume(walkResult{pmtu: 1300, hops: 5, back: 5, reached: true})
	p.resume(walkResult{pmtu: 1400})
	p.summary(searchResult{pmtu: 1500, learned: "probing", probes: 1, elapsed: us(1500)}, 0, true)
	p.summary(searchResult{pmtu: 1400, learned: "icmp", probes: 3, elapsed: us(25000), rtt: us(300)}, 0, true)
	p.summary(searchResult{pmtu: 1300, learned: "probing", blackHole: true, bhLow: 1301, probes: 17, elapsed: us(3456789)}, 0, true)
	p.summary(searchResult{pmtu: 1300, learned: "probing", blackHole: true, probes: 9, elapsed: us(999)}, 2, true)
	p.summary(searchResult{pmtu: 1500, learned: "probing", probes: 6, elapsed: us(6000000)}, 0, false)
	p.interrupted(searchResult{pmtu: 1400, learned: "probing", probes: 7, elapsed: us(1500000)})
}

func TestGoldenText(t *testing.T) {
	var out bytes.Buffer
	goldenRun(newPrinter(&out, config{host: "h2.lab", addr: netip.MustParseAddr("198.18.4.1")}))
	goldenRun(newPrinter(&out, config{host: "h2.lab", addr: netip.MustParseAddr("fd00:0:0:4::1")}))
	clitest.Golden(t, "pmtu.golden", out.String())
}

func TestGoldenJSON(t *testing.T) {
	var out bytes.Buffer
	goldenRun(newPrinter(&out, config{json: true, host: "h2.lab", addr: netip.MustParseAddr("198.18.4.1")}))
	goldenRun(newPrinter(&out, config{json: true, host: "h2.lab", addr: netip.MustParseAddr("fd00:0:0:4::1")}))
	clitest.Golden(t, "pmtu.ndjson.golden", out.String())
}
