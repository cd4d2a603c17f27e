package kstat

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// The files captured from a real kernel parse completely: every name on a
// header line gets the value in the same column of the next line.
func TestParseKernelFiles(t *testing.T) {
	c := Counters{}
	for _, name := range Files {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := c.Parse(f); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		})
	}
	raw, _ := os.ReadFile("testdata/netstat")
	lines := strings.Split(string(raw), "\n")
	names, values := strings.Fields(lines[0]), strings.Fields(lines[1])
	for i := 1; i < len(names); i++ {
		want, _ := strconv.ParseInt(values[i], 10, 64)
		if got, ok := c["TcpExt"+names[i]]; !ok || got != want {
			t.Errorf("TcpExt%s = %d (present %v), want %d", names[i], got, ok, want)
		}
	}
	for _, name := range []string{"TcpExtTCPFastOpenActive", "TcpExtDelayedACKs", "TcpExtListenOverflows", "TcpExtListenDrops", "UdpRcvbufErrors", "TcpMaxConn", "Ip6InReceives", "IpExtInOctets"} {
		if _, ok := c[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	if c["TcpMaxConn"] != -1 {
		t.Errorf("TcpMaxConn = %d, want -1 (signed)", c["TcpMaxConn"])
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     Counters
		wantErr  string
	}{
		{name: "pairs", in: "Udp: InDatagrams RcvbufErrors\nUdp: 5 2\n", want: Counters{"UdpInDatagrams": 5, "UdpRcvbufErrors": 2}},
		{name: "name value", in: "Udp6InDatagrams  7\nUdp6RcvbufErrors\t1\n", want: Counters{"Udp6InDatagrams": 7, "Udp6RcvbufErrors": 1}},
		{name: "empty", in: "", want: Counters{}},
		{name: "two groups", in: "A: x\nA: 1\nB: y z\nB: 2 3\n", want: Counters{"Ax": 1, "By": 2, "Bz": 3}},
		{name: "column mismatch", in: "Udp: A B\nUdp: 1\n", wantErr: "2 names but 1 values"},
		{name: "no values", in: "Udp: A B\n", wantErr: "names without a line of values"},
		{name: "bad number", in: "Udp: A\nUdp: x\n", wantErr: "UdpA"},
		{name: "garbage line", in: "what is this\n", wantErr: "line 1"},
		{name: "overflow", in: "Udp: A\nUdp: 99999999999999999999\n", wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Counters{}
			err := c.Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c) != len(tt.want) {
				t.Errorf("got %v, want %v", c, tt.want)
			}
			for k, v := range tt.want {
				if c[k] != v {
					t.Errorf("%s = %d, want %d", k, c[k], v)
				}
			}
		})
	}
}

func TestDeltaAndPrefix(t *testing.T) {
	before := Counters{"TcpExtDelayedACKs": 3, "TcpExtTCPFastOpenActive": 1}
	after := Counters{"TcpExtDelayedACKs": 5, "TcpExtTCPFastOpenActive": 1, "TcpExtTCPFastOpenPassive": 2, "UdpInErrors": 4}
	d := after.Delta(before).WithPrefix("TcpExtTCPFastOpen", "TcpExtDelayedACK")
	want := Counters{"TcpExtDelayedACKs": 2, "TcpExtTCPFastOpenActive": 0, "TcpExtTCPFastOpenPassive": 2}
	if len(d) != len(want) {
		t.Fatalf("got %v, want %v", d, want)
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %d, want %d", k, d[k], v)
		}
	}
	if got := strings.Join(d.Names(), ","); got != "TcpExtDelayedACKs,TcpExtTCPFastOpenActive,TcpExtTCPFastOpenPassive" {
		t.Errorf("Names = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range Files {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("Udp: A B\nUdp: 1 2\n")
	f.Add("Ip6InReceives 1\n")
	f.Add("A:\nA:\n")
	f.Fuzz(func(t *testing.T, in string) {
		c := Counters{}
		_ = c.Parse(strings.NewReader(in))
		if len(c) > maxCounters {
			t.Fatalf("%d counters", len(c))
		}
	})
}

// nstatCounters parses `nstat -asz` (absolute values, zeros too, history untouched).
func nstatCounters(t *testing.T, ns *netlab.NS) Counters {
	t.Helper()
	out, err := ns.Command(context.Background(), "nstat", "-asz").Output()
	if err != nil {
		t.Fatalf("nstat: %v", err)
	}
	c := Counters{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err == nil {
			c[f[0]] = v
		}
	}
	return c
}

// Read inside NS.Do sees that namespace's counters, not the host's: a TCP
// connection made there moves its Tcp counters, and the names and values agree
// with nstat(8) run in the same namespace.
func TestLabReadInNamespace(t *testing.T) {
	if _, err := os.Stat("/usr/bin/nstat"); err != nil {
		t.Skip("nstat (iproute2) is not installed")
	}
	l := netlab.ForTest(t)
	ns := l.MustNS(t, "k")
	var before, after Counters
	err := ns.Do(func() error {
		var err error
		if before, err = Read(); err != nil {
			return err
		}
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		for range 3 {
			conn, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				return err
			}
			peer, err := ln.Accept()
			if err != nil {
				return err
			}
			conn.Close()
			peer.Close()
		}
		after, err = Read()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if before["TcpActiveOpens"] != 0 {
		t.Errorf("a fresh namespace shows TcpActiveOpens=%d: read the host's counters?", before["TcpActiveOpens"])
	}
	d := after.Delta(before)
	if d["TcpActiveOpens"] != 3 || d["TcpPassiveOpens"] != 3 {
		t.Errorf("3 connections: TcpActiveOpens +%d, TcpPassiveOpens +%d, want +3 each", d["TcpActiveOpens"], d["TcpPassiveOpens"])
	}
	peer := nstatCounters(t, ns)
	for _, name := range []string{"TcpActiveOpens", "TcpPassiveOpens", "TcpExtTCPFastOpenActive", "TcpExtDelayedACKs", "TcpExtListenOverflows", "UdpRcvbufErrors"} {
		got, ok := after[name]
		want, peerOK := peer[name]
		if !ok || !peerOK || got != want {
			t.Errorf("%s: kstat %d (present %v), nstat %d (present %v)", name, got, ok, want, peerOK)
		}
	}
}
