package main

import (
	"fmt"
	"regexp"
	"strconv"

	"gnetutils/pkg/netlab"
)

// packetCounter counts the packets ns sends that match an nft expression
// (an nft counter in its output hook) and returns a function that says how
// many went out since its last call. (nft's "reset counters" leaves
// anonymous rule counters alone, so it returns differences.)
func packetCounter(ns *netlab.NS, match string) (func() (int, error), error) {
	last := 0
	if err := ns.Nft("table inet bench_count {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t\t" + match + " counter\n\t}\n}\n"); err != nil {
		return nil, err
	}
	return func() (int, error) {
		out, err := ns.Exec("nft", "list", "table", "inet", "bench_count")
		if err != nil {
			return 0, err
		}
		m := nftPackets.FindStringSubmatch(string(out))
		if m == nil {
			return 0, fmt.Errorf("no counter in %s", out)
		}
		total, err := strconv.Atoi(m[1])
		delta := total - last
		last = total
		return delta, err
	}, nil
}

var nftPackets = regexp.MustCompile(`packets (\d+) `)
