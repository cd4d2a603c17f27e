package icmpx_test

import (
	"net/netip"
	"testing"
	"time"

	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/icmpx/icmpxtest"
	"gnetutils/pkg/netlab"
	"gnetutils/pkg/sockopt"
)

// collect reads c's events for wait, from Receive (Sync) or the channel.
func collect(c *icmpx.Conn, sync bool, wait time.Duration) []icmpx.Event {
	var got []icmpx.Event
	until := time.Now().Add(wait)
	for time.Now().Before(until) {
		if sync {
			if ev, err := c.Receive(until); err == nil {
				got = append(got, ev)
			}
			continue
		}
		select {
		case ev := <-c.Events():
			got = append(got, ev)
		case <-time.After(time.Until(until)):
		}
	}
	return got
}

// TestLabNodeInfoConn sends NI Queries to h2's responder, which answers
// the second with a nonce gone wrong and (a second responder) everything
// twice: a Conn hands over the replies whose nonce is one it sent, the
// second of each marked Dup, with the reply's names; from a raw socket
// that lets NI Replies alone through.
func TestLabNodeInfoConn(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	host := icmpxtest.NodeInfoHost{Names: []string{"h2.lab."}, Addrs: []icmpx.NIAddr{{Addr: netip.MustParseAddr(c.H2Addr6())}},
		Reply: func(q, r icmpx.NodeInfo) icmpx.NodeInfo {
			if q.Nonce[1] == 2 {
				r.Nonce[7]++
			}
			return r
		}}
	icmpxtest.ServeNodeInfo(t, c.H2, host)
	icmpxtest.ServeNodeInfo(t, c.H2, host)
	for _, sync := range []bool{false, true} {
		var conn *icmpx.Conn
		if err := c.H1.Do(func() (err error) {
			conn, err = icmpx.Open(icmpx.Config{Dst: netip.MustParseAddr(c.H2Addr6()), Sync: sync, NodeInfo: &icmpx.NIQuery{Qtype: icmpx.QtypeName}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.Control(func(fd int) error {
			ni, _ := sockopt.ICMPFilterPasses(fd, true, icmpx.NIReplyType)
			echo, _ := sockopt.ICMPFilterPasses(fd, true, 129)
			if !conn.Raw() || !ni || echo {
				t.Errorf("sync %v: raw %v, NI Replies pass %v, echo replies pass %v", sync, conn.Raw(), ni, echo)
			}
			return nil
		})
		for seq := uint16(1); seq <= 3; seq++ {
			if _, err := conn.Send(seq, []byte("ignored")); err != nil {
				t.Fatal(err)
			}
		}
		var seqs []uint16
		dups := 0
		for _, ev := range collect(conn, sync, 500*time.Millisecond) {
			seqs = append(seqs, ev.Seq)
			if ev.Dup {
				dups++
			}
			if _, names, err := ev.NodeInfo.Names(); ev.Kind != icmpx.Reply || err != nil || len(names) != 1 || names[0].String() != "h2.lab." || ev.Sent.IsZero() {
				t.Errorf("sync %v: event %+v, names %v %v", sync, ev, names, err)
			}
		}
		if len(seqs) != 4 || dups != 2 || seqs[0] == 2 || seqs[1] == 2 || seqs[2] == 2 || seqs[3] == 2 {
			t.Errorf("sync %v: replies to %v (%d dups), want 1 and 3 twice each", sync, seqs, dups)
		}
	}
	if _, err := icmpx.Open(icmpx.Config{Dst: netip.MustParseAddr("127.0.0.1"), NodeInfo: &icmpx.NIQuery{}}); err == nil {
		t.Error("NI Queries to an IPv4 address: no error")
	}
}
