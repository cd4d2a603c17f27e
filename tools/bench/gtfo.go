package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// gtfo: the compare table over 5, 20 and 50 ms RTT (each improvement as
// "ours" against its baseline as "peer"), and gtfo get against curl
// --tcp-fastopen for time to first byte on the 20 ms link.
func init() {
	register(70, "gtfo", func(_ *netlab.Lab, report func(row)) error {
		for _, rtt := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
			if err := gtfoCompareBench(rtt, report); err != nil {
				return err
			}
		}
		return gtfoCurlBench(report)
	})
}

// gtfoLab is a chain h1 - h2 with rtt/2 each way, TFO allowed in both
// namespaces (client bit in h1, server bit in h2), and gtfo serve on h2.
func gtfoLab(rtt time.Duration) (*netlab.Lab, *netlab.Chain, string, error) {
	l, err := netlab.New()
	if err != nil {
		return nil, nil, "", err
	}
	c, err := l.NewChain(netlab.ChainConfig{Routers: 0, Delay: []time.Duration{rtt / 2}})
	if err == nil {
		err = c.H1.Sysctl("net.ipv4.tcp_fastopen", "1")
	}
	if err == nil {
		err = c.H2.Sysctl("net.ipv4.tcp_fastopen", "3")
	}
	if err != nil {
		l.Close()
		return nil, nil, "", err
	}
	addr := c.H2Addr4() + ":8080"
	srv := c.H2.Command(context.Background(), labrun.Tool("gtfo"), "serve", "-l", addr)
	if err := c.H2.Start(srv); err != nil {
		l.Close()
		return nil, nil, "", err
	}
	for i := 0; ; i++ {
		if r := labrun.Run(c.H1, 5*time.Second, "gtfo", "get", "--no-tfo", addr); r.Err == nil {
			break
		} else if i == 50 {
			l.Close()
			return nil, nil, "", fmt.Errorf("gtfo serve did not come up: %v %s", r.Err, r.Output)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return l, c, addr, nil
}

func gtfoCompareBench(rtt time.Duration, report func(row)) error {
	l, c, addr, err := gtfoLab(rtt)
	if err != nil {
		return err
	}
	defer l.Close()
	text := labrun.Run(c.H1, 5*time.Minute, "gtfo", "compare", addr, "-n", "20")
	fmt.Fprintf(os.Stderr, "  RTT %v: gtfo compare %s -n 20\n%s\n", rtt, addr, gtfoIndent(text.Output))
	r := labrun.Run(c.H1, 5*time.Minute, "gtfo", "compare", addr, "-n", "20", "--json")
	if r.Err != nil {
		return fmt.Errorf("gtfo compare: %v\n%s", r.Err, r.Output)
	}
	med := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(r.Output), "\n") {
		var ev struct {
			Type, Case string
			Median     float64 `json:"median_ms"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "case" {
			med[ev.Case] = ev.Median
		}
	}
	for _, pair := range []struct{ better, base, measure string }{
		{"tfo", "plain", "first byte: TFO vs plain connect"},
		{"nodelay", "nagle", "write-write-read: TCP_NODELAY vs Nagle"},
		{"quickack_once", "delayed_ack", "split response: QUICKACK once vs delayed ACK"},
		{"quickack_every_read", "delayed_ack", "split response: QUICKACK every read vs delayed ACK"},
	} {
		report(row{Measure: fmt.Sprintf("RTT %v, %s (median)", rtt, pair.measure), Ours: med[pair.better], Peer: med[pair.base],
			PeerCmd: "gtfo compare: " + pair.base, Unit: "ms", Note: "both columns gtfo compare; ours = " + pair.better})
	}
	return nil
}

func gtfoIndent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// gtfoCurlBench: time to first byte with a cached cookie, gtfo get vs
// curl --tcp-fastopen, against gtfo serve over 20 ms RTT.
func gtfoCurlBench(report func(row)) error {
	l, c, addr, err := gtfoLab(20 * time.Millisecond)
	if err != nil {
		return err
	}
	defer l.Close()
	const n = 20
	r := labrun.Run(c.H1, time.Minute, "gtfo", "get", addr, "-n", strconv.Itoa(n+1), "--json")
	if r.Err != nil {
		return fmt.Errorf("gtfo get: %v\n%s", r.Err, r.Output)
	}
	var ours []float64
	synData := 0
	for _, line := range strings.Split(strings.TrimSpace(r.Output), "\n") {
		var ev struct {
			Type      string
			Seq       int
			FirstByte float64 `json:"first_byte_ms"`
			SynData   bool    `json:"syn_data"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "reply" && ev.Seq > 1 {
			ours = append(ours, ev.FirstByte)
			if ev.SynData {
				synData++
			}
		}
	}
	var peer []float64
	url := "http://" + addr + "/"
	for i := 0; i <= n; i++ {
		r := labrun.Run(c.H1, 10*time.Second, "curl", "-s", "-o", "/dev/null", "--tcp-fastopen", "-w", "%{time_starttransfer}", url)
		if r.Err != nil {
			return fmt.Errorf("curl: %v\n%s", r.Err, r.Output)
		}
		if i == 0 {
			continue // the cookie fetch, as gtfo's first connection
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(r.Output), 64)
		if err != nil {
			return fmt.Errorf("curl -w: %q", r.Output)
		}
		peer = append(peer, v*1000)
	}
	report(row{Measure: "RTT 20ms, time to first byte with a TFO cookie (median of 20)", Ours: gtfoMedian(ours), Peer: gtfoMedian(peer),
		PeerCmd: "curl --tcp-fastopen", Unit: "ms", Note: fmt.Sprintf("gtfo: data in SYN on %d/%d", synData, len(ours))})
	return nil
}

func gtfoMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
