package netlab

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Nft loads an nftables script inside the namespace (`nft -f -`).
func (ns *NS) Nft(script string) error {
	cmd := ns.Command(context.Background(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("[%s] nft: %v: %s", ns.Short, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// DropTimeExceeded makes a router silent: it still forwards, but never sends
// ICMP time exceeded (IPv4 or IPv6), so traces show it as '*'.
func (ns *NS) DropTimeExceeded() error {
	return ns.Nft(`table inet gnetlab_silent {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type time-exceeded drop
		icmpv6 type time-exceeded drop
	}
}
`)
}

// DropFragNeeded makes a PMTU black hole: the router drops packets too big for
// its next link as before, but its ICMP frag-needed / packet-too-big never
// leaves it.
func (ns *NS) DropFragNeeded() error {
	return ns.Nft(`table inet gnetlab_blackhole {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed drop
		icmpv6 type packet-too-big drop
	}
}
`)
}

// DropAll makes the namespace a dead host: nothing in, out or through.
func (ns *NS) DropAll() error {
	return ns.Nft(`table inet gnetlab_dead {
	chain input { type filter hook input priority 0; policy drop; }
	chain forward { type filter hook forward priority 0; policy drop; }
	chain output { type filter hook output priority 0; policy drop; }
}
`)
}
