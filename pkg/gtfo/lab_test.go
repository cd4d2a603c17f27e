package gtfo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/kstat"
	"gnetutils/pkg/netlab"
)

// tfoLab is h1 (client) - 10 ms each way - h2 (server) with
// net.ipv4.tcp_fastopen set inside the two namespaces.
type tfoLab struct {
	chain  *netlab.Chain
	bin    string
	server string // h2's ADDR:PORT
}

func newTFOLab(t *testing.T, clientTFO, serverTFO string) *tfoLab {
	t.Helper()
	l := netlab.ForTest(t)
	bin := netlab.Binary(t, "gtfo") // lab tests run the real binary inside the namespaces, as a person would
	c, err := l.NewChain(netlab.ChainConfig{Routers: 0, Delay: []time.Duration{10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.H1.Sysctl("net.ipv4.tcp_fastopen", clientTFO); err != nil {
		t.Fatal(err)
	}
	if err := c.H2.Sysctl("net.ipv4.tcp_fastopen", serverTFO); err != nil {
		t.Fatal(err)
	}
	return &tfoLab{chain: c, bin: bin, server: c.H2Addr4() + ":8080"}
}

// serverProc is a running `gtfo serve --json` in h2.
type serverProc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
}

func (lab *tfoLab) startServer(t *testing.T, args ...string) *serverProc {
	t.Helper()
	sp := &serverProc{done: make(chan struct{})}
	argv := append([]string{"serve", "-l", lab.server, "--json"}, args...)
	sp.cmd = lab.chain.H2.Command(context.Background(), lab.bin, argv...)
	pipe, err := sp.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sp.cmd.Stderr = &lockedWriter{mu: &sp.mu, w: &sp.stderr}
	if err := lab.chain.H2.Start(sp.cmd); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	go func() {
		defer close(sp.done)
		sc := bufio.NewScanner(pipe)
		once := sync.Once{}
		for sc.Scan() {
			sp.mu.Lock()
			sp.stdout.Write(append(sc.Bytes(), '\n'))
			sp.mu.Unlock()
			if strings.Contains(sc.Text(), `"type":"listen"`) {
				once.Do(func() { close(listening) })
			}
		}
	}()
	select {
	case <-listening:
	case <-sp.done:
		t.Fatalf("gtfo serve exited: %s", sp.stderrText())
	case <-time.After(10 * time.Second):
		t.Fatalf("gtfo serve did not start listening: %s", sp.stderrText())
	}
	return sp
}

// stop ends the server with SIGTERM, as a person would, and returns its
// NDJSON events.
func (sp *serverProc) stop(t *testing.T) []map[string]any {
	t.Helper()
	_ = sp.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-sp.done:
	case <-time.After(10 * time.Second):
		t.Fatal("gtfo serve did not stop on SIGTERM")
	}
	_ = sp.cmd.Wait()
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return parseNDJSON(t, sp.stdout.String())
}

func (sp *serverProc) stderrText() string {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.stderr.String()
}

// stderrWith waits up to 5 s for the server's stderr to hold every one of
// subs, and returns it: os/exec copies stderr on a goroutine of its own,
// so what the server wrote there before its "listen" line on stdout may
// still be on its way when that line arrives.
func (sp *serverProc) stderrWith(subs ...string) string {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		text, all := sp.stderrText(), true
		for _, sub := range subs {
			all = all && strings.Contains(text, sub)
		}
		if all || time.Now().After(deadline) {
			return text
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// run runs the built gtfo in ns and returns stdout, stderr and the exit code.
func (lab *tfoLab) run(t *testing.T, ns *netlab.NS, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, lab.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gtfo %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), code
}

func parseNDJSON(t *testing.T, out string) []map[string]any {
	t.Helper()
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		events = append(events, ev)
	}
	return events
}

func ofType(events []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, ev := range events {
		if ev["type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

func counters(t *testing.T, ns *netlab.NS) kstat.Counters {
	t.Helper()
	var c kstat.Counters
	if err := ns.Do(func() (err error) { c, err = kstat.Read(); return err }); err != nil {
		t.Fatal(err)
	}
	return c
}

// With 20 ms RTT, TFO saves the handshake's round trip: the request rides in
// the SYN from the second connection on (the first fetches the cookie), both
// ends' TCP_INFO and the kernels' counters say so, and curl --tcp-fastopen
// gets the same from gtfo serve.
func TestLabFastOpenSavesARoundTrip(t *testing.T) {
	lab := newTFOLab(t, "1", "3")
	srv := lab.startServer(t, "-l", ":8080") // both address families
	clientBefore, serverBefore := counters(t, lab.chain.H1), counters(t, lab.chain.H2)

	tfo := lab.tfoFirstBytes(t)
	plain := lab.plainFirstBytes(t)
	tfoMed, plainMed := summarize(tfo).median, summarize(plain).median
	t.Logf("first byte: TFO median %.2f ms, plain median %.2f ms", tfoMed, plainMed)
	if plainMed-tfoMed < 10 {
		t.Errorf("TFO first byte %.2f ms is not half an RTT (10 ms) below plain %.2f ms", tfoMed, plainMed)
	}

	// The classic peer: curl with TCP Fast Open, against the same server.
	if _, err := exec.LookPath("curl"); err == nil {
		for range 2 {
			cmd := lab.chain.H1.Command(context.Background(), "curl", "-sS", "--tcp-fastopen", "-m", "5", "http://"+lab.server+"/50")
			body, err := cmd.Output()
			if err != nil || len(body) != 50 {
				t.Errorf("curl --tcp-fastopen: %v, %d bytes (want 50): %q", err, len(body), body)
			}
		}
	}

	// IPv6: the same sysctl governs it; a new destination needs its own cookie.
	server6 := "[" + lab.chain.H2Addr6() + "]:8080"
	out, errOut, code := lab.run(t, lab.chain.H1, "get", server6, "-n", "2", "--json")
	if code != 0 {
		t.Fatalf("gtfo get %s: exit %d\n%s%s", server6, code, out, errOut)
	}
	if r := ofType(parseNDJSON(t, out), "reply"); len(r) != 2 || r[0]["syn_data"] != false || r[1]["syn_data"] != true {
		t.Errorf("IPv6: want the cookie fetch, then data in SYN: %v", r)
	}

	d := counters(t, lab.chain.H1).Delta(clientBefore)
	if d["TcpExtTCPFastOpenActive"] < 5 {
		t.Errorf("client TcpExtTCPFastOpenActive +%d, want >= 5 (the TFO connections after the first, v4 and v6)", d["TcpExtTCPFastOpenActive"])
	}
	ds := counters(t, lab.chain.H2).Delta(serverBefore)
	if ds["TcpExtTCPFastOpenPassive"] < 5 {
		t.Errorf("server TcpExtTCPFastOpenPassive +%d, want >= 5", ds["TcpExtTCPFastOpenPassive"])
	}
	checkServerSawSYNData(t, srv.stop(t))
}

// tfoFirstBytes runs gtfo get -n 5 from h1 and returns the time to first
// byte of the connections after the first, which fetches the cookie: they
// carry their request in the SYN.
func (lab *tfoLab) tfoFirstBytes(t *testing.T) []float64 {
	t.Helper()
	out, errOut, code := lab.run(t, lab.chain.H1, "get", lab.server, "-n", "5", "--json")
	if code != 0 {
		t.Fatalf("gtfo get: exit %d\n%s%s", code, out, errOut)
	}
	replies := ofType(parseNDJSON(t, out), "reply")
	if len(replies) != 5 {
		t.Fatalf("want 5 replies, got %d:\n%s", len(replies), out)
	}
	var firstByte []float64
	for i, r := range replies {
		if want := i > 0; r["syn_data"] != want {
			t.Errorf("connection %d: syn_data %v, want %v (%v)", i+1, r["syn_data"], want, r)
		}
		if i > 0 {
			firstByte = append(firstByte, r["first_byte_ms"].(float64))
		}
	}
	if why, _ := replies[0]["syn_data_why"].(string); !strings.Contains(why, "cookie") {
		t.Errorf("first connection: want the missing cookie as the reason, got %q", why)
	}
	return firstByte
}

// plainFirstBytes runs gtfo get -n 4 --no-tfo from h1 and returns each
// connection's time to first byte.
func (lab *tfoLab) plainFirstBytes(t *testing.T) []float64 {
	t.Helper()
	out, errOut, code := lab.run(t, lab.chain.H1, "get", lab.server, "-n", "4", "--no-tfo", "--json")
	if code != 0 {
		t.Fatalf("gtfo get --no-tfo: exit %d\n%s%s", code, out, errOut)
	}
	var firstByte []float64
	for _, r := range ofType(parseNDJSON(t, out), "reply") {
		if r["syn_data"] != false || r["tfo"] != false {
			t.Errorf("--no-tfo: %v", r)
		}
		firstByte = append(firstByte, r["first_byte_ms"].(float64))
	}
	return firstByte
}

// checkServerSawSYNData holds the server's events to what the clients of
// TestLabFastOpenSavesARoundTrip sent: gtfo's requests and curl's second
// in the SYN, and its summary's counter.
func checkServerSawSYNData(t *testing.T, events []map[string]any) {
	t.Helper()
	conns := ofType(events, "conn")
	if len(conns) < 9 {
		t.Fatalf("server reported %d connections, want >= 9:\n%v", len(conns), events)
	}
	var syn, curlSyn int
	for _, c := range conns {
		if c["syn_data"] == true {
			syn++
			if c["syn_bytes"].(float64) <= 0 {
				t.Errorf("server: syn_data without bytes: %v", c)
			}
		}
	}
	// The server saw 4 gtfo and (after curl's first) 1 curl request in the SYN.
	for _, c := range conns[9:min(11, len(conns))] {
		if c["syn_data"] == true {
			curlSyn++
		}
	}
	if syn < 4 {
		t.Errorf("server: %d connections with the request in the SYN, want >= 4", syn)
	}
	if len(conns) >= 11 && curlSyn < 1 {
		t.Errorf("server: curl --tcp-fastopen's second request did not arrive in the SYN: %v", conns[9:])
	}
	sum := ofType(events, "summary")
	if len(sum) != 1 {
		t.Fatalf("server: want one summary, got %v", events)
	}
	if n := sum[0]["counters"].(map[string]any)["TcpExtTCPFastOpenPassive"]; n == nil || n.(float64) < 4 {
		t.Errorf("server summary: TcpExtTCPFastOpenPassive %v, want >= 4", n)
	}
}

// compare over 20 ms RTT: every case, as a table and as valid JSON; TFO beats
// plain by at least half an RTT, Nagle meets the delayed ACK (>= 30 ms) and
// TCP_NODELAY does not.
func TestLabCompare(t *testing.T) {
	lab := newTFOLab(t, "1", "3")
	srv := lab.startServer(t)
	defer srv.stop(t)

	got, events := lab.compareJSON(t)
	med := func(name string) float64 { return got[name]["median_ms"].(float64) }
	if med("plain")-med("tfo") < 10 {
		t.Errorf("TFO median %.2f ms not 10 ms (half an RTT) below plain %.2f ms", med("tfo"), med("plain"))
	}
	if got["tfo"]["syn_data"].(float64) != 8 {
		t.Errorf("TFO: data in SYN on %v of 8 connections", got["tfo"]["syn_data"])
	}
	if n, _ := got["tfo"]["counters"].(map[string]any)["TcpExtTCPFastOpenActive"].(float64); n < 8 {
		t.Errorf("TFO case: TcpExtTCPFastOpenActive +%v, want >= 8", n)
	}
	if med("nagle") < 30 {
		t.Errorf("write-write-read with Nagle: median %.2f ms, want >= 30 (Nagle waiting for the delayed ACK)", med("nagle"))
	}
	if med("nodelay") >= 30 || med("nagle")-med("nodelay") < 20 {
		t.Errorf("write-write-read with TCP_NODELAY: median %.2f ms (Nagle %.2f): want one RTT, no stall", med("nodelay"), med("nagle"))
	}
	// The kernels' own evidence: the Nagle stall is the server's delayed ACK,
	// the split response's the client's.
	if n, _ := got["nagle"]["server_counters"].(map[string]any)["TcpExtDelayedACKs"].(float64); n < 1 {
		t.Errorf("Nagle case: server TcpExtDelayedACKs +%v, want > 0", n)
	}
	if n, _ := got["delayed_ack"]["counters"].(map[string]any)["TcpExtDelayedACKs"].(float64); n < 1 {
		t.Errorf("delayed-ACK case: client TcpExtDelayedACKs +%v, want > 0", n)
	}
	sum := ofType(events, "summary")
	if len(sum) != 1 || sum[0]["tfo_saved_rtts"].(float64) < 0.5 {
		t.Errorf("summary: %v", sum)
	}

	lab.checkCompareTable(t)
}

// compareJSON runs gtfo compare -n 8 --json from h1 and returns its case
// events by case name, and all its events. It stops t unless every case
// is there with its 8 rounds.
func (lab *tfoLab) compareJSON(t *testing.T) (map[string]map[string]any, []map[string]any) {
	t.Helper()
	out, errOut, code := lab.run(t, lab.chain.H1, "compare", lab.server, "-n", "8", "--json")
	if code != 0 {
		t.Fatalf("gtfo compare --json: exit %d\n%s%s", code, out, errOut)
	}
	events := parseNDJSON(t, out)
	got := map[string]map[string]any{}
	for _, ev := range ofType(events, "case") {
		got[ev["case"].(string)] = ev
		t.Logf("%-20s median %6.2f ms  p95 %6.2f ms", ev["case"], ev["median_ms"], ev["p95_ms"])
	}
	for _, spec := range cases {
		ev := got[spec.name]
		if ev == nil {
			t.Errorf("case %s missing", spec.name)
			continue
		}
		if ev["ok"].(float64) != 8 {
			t.Errorf("case %s: %v of 8 rounds ok: %v", spec.name, ev["ok"], ev)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return got, events
}

// checkCompareTable runs gtfo compare -n 3 from h1: its table has a line
// per case, the TFO line and the counters.
func (lab *tfoLab) checkCompareTable(t *testing.T) {
	t.Helper()
	out, errOut, code := lab.run(t, lab.chain.H1, "compare", lab.server, "-n", "3")
	if code != 0 {
		t.Fatalf("gtfo compare: exit %d\n%s%s", code, out, errOut)
	}
	for _, spec := range cases {
		if !strings.Contains(out, fmt.Sprintf("%d %s ", spec.group, spec.title)) {
			t.Errorf("table lacks case %q:\n%s", spec.title, out)
		}
	}
	if !strings.Contains(out, "TFO saved") || !strings.Contains(out, "kernel counters during the run") {
		t.Errorf("table lacks the TFO line or the counters:\n%s", out)
	}
	t.Logf("\n%s", out)
}

// TFO switched off by sysctl: the client says which bit is missing and
// connects the plain way; compare skips only the TFO case; a server without
// the server bit warns, and clients fall back to a normal handshake.
func TestLabFastOpenDisabled(t *testing.T) {
	lab := newTFOLab(t, "0", "1")
	srv := lab.startServer(t)
	if e := srv.stderrWith("lacks the server bit (0x2)", "sysctl -w net.ipv4.tcp_fastopen=3"); !strings.Contains(e, "lacks the server bit (0x2)") || !strings.Contains(e, "sysctl -w net.ipv4.tcp_fastopen=3") {
		t.Errorf("server stderr: want the missing server bit and how to set it, got %q", e)
	}

	out, errOut, code := lab.run(t, lab.chain.H1, "get", lab.server, "-n", "2")
	if code != 0 {
		t.Fatalf("gtfo get: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "lacks the client bit (0x1)") || !strings.Contains(errOut, "sysctl -w net.ipv4.tcp_fastopen=1") || !strings.Contains(errOut, "falling back") {
		t.Errorf("stderr: want the missing client bit, the fix and the fallback, got %q", errOut)
	}
	if !strings.Contains(out, "plain connect") || strings.Count(out, "data in SYN: no") != 2 {
		t.Errorf("want 2 plain connections:\n%s", out)
	}

	out, errOut, code = lab.run(t, lab.chain.H1, "compare", lab.server, "-n", "2", "--warmup", "1", "--json")
	if code != 0 {
		t.Fatalf("gtfo compare: exit %d\n%s%s", code, out, errOut)
	}
	for _, ev := range ofType(parseNDJSON(t, out), "case") {
		skipped, _ := ev["skipped"].(string)
		if (ev["case"] == "tfo") != (skipped != "") {
			t.Errorf("case %v: skipped %q", ev["case"], skipped)
		}
		if ev["case"] != "tfo" && ev["ok"].(float64) != 2 {
			t.Errorf("case %v did not run: %v", ev["case"], ev)
		}
	}

	// The client may use TFO now, the server still refuses it.
	if err := lab.chain.H1.Sysctl("net.ipv4.tcp_fastopen", "1"); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = lab.run(t, lab.chain.H1, "get", lab.server, "-n", "2", "--json")
	if code != 0 {
		t.Fatalf("gtfo get: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range ofType(parseNDJSON(t, out), "reply") {
		if r["syn_data"] != false || r["status"].(float64) != 200 {
			t.Errorf("server without TFO: %v", r)
		}
	}
	for _, c := range ofType(srv.stop(t), "conn") {
		if c["syn_data"] != false {
			t.Errorf("server without the server bit reported data in SYN: %v", c)
		}
	}
}

// Refused connections and timeouts: one clear line and curl's exit codes.
func TestLabErrors(t *testing.T) {
	lab := newTFOLab(t, "1", "3")
	for _, args := range [][]string{{"get", lab.server}, {"get", lab.server, "--no-tfo"}, {"compare", lab.server}} {
		_, errOut, code := lab.run(t, lab.chain.H1, args...)
		if code != 7 || !strings.Contains(errOut, "connection refused") {
			t.Errorf("gtfo %v with nothing listening: exit %d, stderr %q; want 7 and connection refused", args, code, errOut)
		}
	}
	if err := lab.chain.H2.DropAll(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"get", lab.server, "-m", "1"}, {"compare", lab.server, "-m", "1"}} {
		start := time.Now()
		_, errOut, code := lab.run(t, lab.chain.H1, args...)
		if code != 28 || !strings.Contains(errOut, "timed out") {
			t.Errorf("gtfo %v to a dead host: exit %d, stderr %q; want 28 and timed out", args, code, errOut)
		}
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("gtfo %v took %v with -m 1", args, el)
		}
	}
}
