package gtfo

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// vmRSS is a process's resident memory (/proc/PID/status VmRSS), in bytes.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// TestLabServeHoldsNonReaders attacks the gtfo binary as issue 14 says:
// 100 clients each ask for GET /67108864 and never read. Before bodies
// were streamed this held 128 MiB per client (the body and its copy
// with the head). The server's RSS must stay under 64 MiB, and a
// normal client is still served, whole and at once. Each connection may
// cost the server 64 KiB at most.
func TestLabServeHoldsNonReaders(t *testing.T) {
	const clients, maxRSS = 100, 64 << 20
	l := netlab.ForTest(t)
	ns := l.MustNS(t, "srv")
	lab := &tfoLab{chain: &netlab.Chain{Lab: l, H2: ns}, bin: netlab.Binary(t, "gtfo"), server: "127.0.0.1:8080"}
	srv := lab.startServer(t, "-q", "0")
	defer srv.stop(t)
	pid := srv.cmd.Process.Pid // ip netns exec execs the tool itself
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) != "gtfo" {
		t.Fatalf("process %d is %q, not gtfo", pid, comm)
	}
	idle := vmRSS(t, pid)
	var attackers []net.Conn
	defer func() {
		for _, c := range attackers {
			c.Close()
		}
	}()
	err := ns.Do(func() error {
		for i := 0; i < clients; i++ {
			c, err := net.Dial("tcp", lab.server)
			if err != nil {
				return err
			}
			attackers = append(attackers, c)
			if _, err := c.Write([]byte("GET /67108864 HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	for i := 0; i < 30; i++ { // 3 s: the server writes all the sockets take, then waits
		peak = max(peak, vmRSS(t, pid))
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d clients asking for 64 MiB each and not reading: server VmRSS %.1f MiB idle, peak %.1f MiB (%.0f KiB a connection)",
		clients, float64(idle)/(1<<20), float64(peak)/(1<<20), float64(peak-idle)/clients/1024)
	if peak >= maxRSS || (peak-idle)/clients > 64<<10 {
		t.Errorf("server VmRSS reached %.1f MiB from %.1f, want under %d MiB and 64 KiB a connection",
			float64(peak)/(1<<20), float64(idle)/(1<<20), maxRSS>>20)
	}
	start := time.Now()
	n, err := normalGet(ns, lab.server, 1<<20)
	if err != nil || n != 1<<20 {
		t.Fatalf("a normal client during the attack: %d bytes, %v", n, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a normal client took %v during the attack", took)
	}
	t.Logf("a normal GET /1048576 during the attack: %v", time.Since(start).Round(time.Millisecond))
}

func (sp *serverProc) stdoutText() string {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.stdout.String()
}

// normalGet fetches /size from addr inside ns and returns the body's length.
func normalGet(ns *netlab.NS, addr string, size int) (int64, error) {
	var c net.Conn
	if err := ns.Do(func() (err error) { c, err = net.Dial("tcp", addr); return err }); err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", size); err != nil {
		return 0, err
	}
	br := bufio.NewReader(c)
	resp, n, err := readResponse(br, "GET")
	if err == nil && resp.Status != 200 {
		err = fmt.Errorf("HTTP %d", resp.Status)
	}
	_, _ = io.Copy(io.Discard, br)
	return n, err
}

// TestLabServeSendTimeout: a client that stops reading is dropped once
// the server's writes have made no progress for --send-timeout, and its
// connection line says so.
func TestLabServeSendTimeout(t *testing.T) {
	l := netlab.ForTest(t)
	ns := l.MustNS(t, "srv")
	lab := &tfoLab{chain: &netlab.Chain{Lab: l, H2: ns}, bin: netlab.Binary(t, "gtfo"), server: "127.0.0.1:8080"}
	srv := lab.startServer(t, "-q", "0", "--send-timeout", "1")
	var c net.Conn
	if err := ns.Do(func() (err error) { c, err = net.Dial("tcp", lab.server); return err }); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := c.Write([]byte("GET /67108864 HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(srv.stdoutText(), `"type":"conn"`) {
		if time.Since(start) > 20*time.Second {
			t.Fatal("the stalled connection is still open after 20 s (--send-timeout 1)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	conns := ofType(srv.stop(t), "conn")
	if len(conns) != 1 || conns[0]["error"] != "timed out" {
		t.Fatalf("want one conn event that timed out, got %v", conns)
	}
	if took < time.Second {
		t.Errorf("dropped after %v, before --send-timeout", took)
	}
	t.Logf("a client that never reads GET /67108864: dropped after %v, %v bytes written", took.Round(time.Millisecond), conns[0]["bytes_out"])
}
