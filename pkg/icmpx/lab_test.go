package icmpx

import (
	"net/netip"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
	"gnetutils/pkg/sockopt"
)

func openIn(t *testing.T, ns *netlab.NS, cfg Config) *Conn {
	t.Helper()
	var c *Conn
	if err := ns.Do(func() (err error) { c, err = Open(cfg); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// events collects events until n arrived or the wait ran out, from the
// Events channel or, in Sync mode, from Receive.
func events(c *Conn, n int, wait time.Duration) []Event {
	var got []Event
	if c.rx != nil {
		until := time.Now().Add(wait)
		for len(got) < n {
			ev, err := c.Receive(until)
			if err != nil {
				return got
			}
			got = append(got, ev)
		}
		return got
	}
	deadline := time.After(wait)
	for len(got) < n {
		select {
		case ev := <-c.Events():
			got = append(got, ev)
		case <-deadline:
			return got
		}
	}
	return got
}

var payload = []byte("0123456789abcdef0123456789abcdef0123456789abcdef01234567")

// TestLabEvents sends echo requests through a chain of two routers, with
// datagram and raw sockets, IPv4 and IPv6, a receiving goroutine and Sync
// mode, and checks every kind of event against where the lab makes it
// happen.
func TestLabEvents(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2, MTU: []int{1500, 1400, 1500}, NoICMPRateLimit: true})
	for _, mode := range []struct {
		name string
		sync bool
	}{{"", false}, {" Sync", true}} {
		for _, raw := range []bool{false, true} {
			group := "0 2147483647"
			if raw {
				group = "1 0" // datagram ICMP forbidden: Open must fall back to raw
			}
			if err := c.H1.Sysctl("net.ipv4.ping_group_range", group); err != nil {
				t.Fatal(err)
			}
			for _, v6 := range []bool{false, true} {
				dst, r1, far := c.H2Addr4(), c.RouterAddr4(1), "198.18.99.1"
				if v6 {
					dst, r1, far = c.H2Addr6(), c.RouterAddr6(1), "fd00:99::1"
				}
				name := map[bool]string{false: "datagram", true: "raw"}[raw] + map[bool]string{false: " IPv4", true: " IPv6"}[v6] + mode.name
				t.Run(name, func(t *testing.T) {
					checkEvents(t, c.H1, dst, r1, far, raw, mode.sync)
				})
			}
		}
	}
}

// checkEvents opens ICMP sockets in h1 (raw, or datagram sockets; Sync
// mode or not) and holds their events to what the chain answers: replies
// from dst, time exceeded and frag needed from r1, and unreachable from r1
// for far, an address outside the lab.
func checkEvents(t *testing.T, h1 *netlab.NS, dst, r1, far string, raw, sync bool) {
	conn := openIn(t, h1, Config{Dst: netip.MustParseAddr(dst), Sync: sync})
	if conn.Raw() != raw {
		t.Fatalf("raw socket %v, want %v", conn.Raw(), raw)
	}
	for seq := uint16(1); seq <= 3; seq++ {
		if _, err := conn.Send(seq, payload); err != nil {
			t.Fatal(err)
		}
	}
	got := events(conn, 3, 3*time.Second)
	if len(got) != 3 {
		t.Fatalf("%d events, want 3 replies: %+v", len(got), got)
	}
	for i, ev := range got {
		if ev.Kind != Reply || ev.Seq != uint16(i+1) || ev.From.String() != dst || ev.Dup || ev.Corrupt || ev.Size != 8+len(payload) || ev.TTL != 62 || ev.RTT <= 0 || ev.RTT > time.Second {
			t.Errorf("reply %d: %+v", i, ev)
		}
	}

	ttl1 := openIn(t, h1, Config{Dst: netip.MustParseAddr(dst), TTL: 1, Sync: sync})
	ttl1.Send(7, payload)
	if got := events(ttl1, 2, time.Second); len(got) != 1 || got[0].Kind != TimeExceeded || got[0].Seq != 7 || got[0].From.String() != r1 {
		t.Errorf("TTL 1: %+v, want time exceeded for seq 7 from %s", got, r1)
	}

	df := openIn(t, h1, Config{Dst: netip.MustParseAddr(dst), SetPMTUD: true, PMTUD: sockopt.PMTUDProbe, Sync: sync})
	if _, err := df.Send(8, make([]byte, 1450)); err != nil {
		t.Fatal(err)
	}
	if got := events(df, 1, 3*time.Second); len(got) != 1 || got[0].Kind != FragNeeded || got[0].MTU != 1400 || got[0].Seq != 8 || got[0].From.String() != r1 {
		t.Errorf("DF 1450 bytes: %+v, want frag needed, MTU 1400, from %s", got, r1)
	}
	_, err := df.Send(9, make([]byte, 1500))
	if le, ok := err.(*LocalErr); !ok || le.MTU != 1500 {
		t.Errorf("DF 1500 bytes: error %v, want a local error with MTU 1500", err)
	}

	// Routers send "net unreachable" through ip_error, whose rate
	// limit shares its token bucket with the ICMP errors above
	// (Linux: one per second after any of them): retry a little.
	nowhere := openIn(t, h1, Config{Dst: netip.MustParseAddr(far), Sync: sync})
	var unreach []Event
	for seq := uint16(10); seq < 14 && len(unreach) == 0; seq++ {
		if _, err := nowhere.Send(seq, payload); err != nil {
			t.Fatalf("send to %s: %v", far, err)
		}
		unreach = events(nowhere, 1, 700*time.Millisecond)
	}
	if len(unreach) != 1 || unreach[0].Kind != Unreachable || unreach[0].From.String() != r1 {
		t.Errorf("no route: %+v, want unreachable from %s", unreach, r1)
	}
}

// TestLabDuplicatesAndStrangers: a router duplicates every echo reply
// (nft dup), and the system ping runs beside us on a raw socket. We see
// each of our replies once plus one duplicate, and none of ping's.
func TestLabDuplicatesAndStrangers(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	if err := c.Routers[0].Nft(`table ip dupper {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		oifname "west" icmp type echo-reply dup to ` + c.H1Addr4() + ` device "west"
	}
}
`); err != nil {
		t.Fatal(err)
	}
	conn := openIn(t, c.H1, Config{Dst: netip.MustParseAddr(c.H2Addr4()), Raw: true})
	stranger := c.H1.Command(t.Context(), "ping", "-n", "-q", "-i", "0.02", "-c", "50", c.H2Addr4())
	if err := c.H1.Start(stranger); err != nil {
		t.Fatal(err)
	}
	for seq := uint16(1); seq <= 5; seq++ {
		conn.Send(seq, payload)
		time.Sleep(20 * time.Millisecond)
	}
	got := events(conn, 100, 2*time.Second)
	replies, dups := map[uint16]int{}, 0
	for _, ev := range got {
		if ev.Kind != Reply {
			t.Errorf("unexpected event %+v", ev)
			continue
		}
		replies[ev.Seq]++
		if ev.Dup {
			dups++
		}
	}
	if len(got) != 10 || dups != 5 || len(replies) != 5 {
		t.Errorf("%d events, %d marked duplicate, seqs %v; want 5 replies each duplicated once", len(got), dups, replies)
	}
	for seq, n := range replies {
		if seq < 1 || seq > 5 || n != 2 {
			t.Errorf("seq %d seen %d times", seq, n)
		}
	}
}

// TestLabSyncWake: Wake from another goroutine ends a Sync Receive that
// would wait long, and Receive after Close fails instead of reading a
// descriptor number that may be someone else's by then.
func TestLabSyncWake(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	conn := openIn(t, c.H1, Config{Dst: netip.MustParseAddr(c.H2Addr4()), Sync: true})
	start := time.Now()
	time.AfterFunc(50*time.Millisecond, conn.Wake)
	if _, err := conn.Receive(start.Add(10 * time.Second)); err != ErrWoken || time.Since(start) > 5*time.Second {
		t.Errorf("Receive: %v after %v, want ErrWoken after 50 ms", err, time.Since(start))
	}
	conn.Close()
	conn.Wake() // harmless once closed
	if _, err := conn.Receive(time.Now().Add(time.Second)); err == nil {
		t.Error("Receive after Close: no error")
	}
	if _, err := conn.Send(1, payload); err == nil {
		t.Error("Send after Close: no error")
	}
}
