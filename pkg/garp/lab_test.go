package garp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

// normalize hides what differs between two runs: times.
var normalize = clitest.Normalize(`\d+\.\d{3}ms`, "Tms")

// TestLabArpingSideBySide: garp and arping, same flags, same segment: same
// output (times aside) and exit codes, and the MAC is the host's own.
// (arping here takes whole seconds for -i, so probes go a second apart.)
func TestLabArpingSideBySide(t *testing.T) {
	netlab.Need(t, "arping")
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h1, h2 := s.Hosts[0], s.Hosts[1]
	mac, err := h2.MAC("eth0")
	if err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"-c", "2", "-I", "eth0", s.Addr4(1)},
		{"-c", "1", s.Addr4(1)},
		{"-c", "2", "-w", "1", "-I", "eth0", "198.19.0.77"},
		{"-c", "2", "-D", "-I", "eth0", s.Addr4(1)},
		{"-c", "1", "-D", "-I", "eth0", "198.19.0.77"},
		{"-c", "1", "-U", "-I", "eth0", s.Addr4(0)},
		{"-c", "1", "-A", "-I", "eth0", s.Addr4(0)},
		{"-f", "-c", "3", "-I", "eth0", s.Addr4(1)},
		{"-b", "-c", "2", "-I", "eth0", s.Addr4(1)},
		{"-q", "-c", "1", "-I", "eth0", s.Addr4(1)},
		{"-c", "1", "-I", "nope", s.Addr4(1)},
	}
	for _, args := range tests {
		want, wantCode := h1.CombinedOutput(t, "arping", args...)
		out, errOut, code := h1.RunTool(t, Run, args...)
		got := out + strings.ReplaceAll(errOut, "garp: ", "arping: ")
		if normalize(got) != normalize(want) || code != wantCode {
			t.Errorf("%v: exit %d, arping %d\n--- garp:\n%s--- arping:\n%s", args, code, wantCode, got, want)
		}
	}
	out, _, _ := h1.RunTool(t, Run, "-c", "1", "-I", "eth0", s.Addr4(1))
	if !strings.Contains(out, "["+strings.ToUpper(mac.String())+"]") {
		t.Errorf("MAC of %s is %s (ip link), garp said:\n%s", s.Addr4(1), mac, out)
	}
}

// TestLabDuplicateAddress: with a second namespace holding h2's address, -D
// from h1 sees the duplicate (exit 1).
func TestLabDuplicateAddress(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 2})
	twin, err := s.AddHost("twin", s.Addr4(1)+"/24")
	if err != nil {
		t.Fatal(err)
	}
	twinMAC, _ := twin.MAC("eth0")
	h2MAC, _ := s.Hosts[1].MAC("eth0")
	out, _, code := s.Hosts[0].RunTool(t, Run, "-D", "-c", "2", "-i", "0.3", "-I", "eth0", s.Addr4(1))
	if code != 1 || (!strings.Contains(out, strings.ToUpper(twinMAC.String())) && !strings.Contains(out, strings.ToUpper(h2MAC.String()))) {
		t.Errorf("duplicate: exit %d\n%s", code, out)
	}
	if _, _, code := s.Hosts[0].RunTool(t, Run, "-D", "-c", "2", "-i", "0.3", "-I", "eth0", "198.19.0.200"); code != 0 {
		t.Errorf("free address: exit %d, want 0", code)
	}
}

var scanLineRE = regexp.MustCompile(`(?m)^(\d+\.\d+\.\d+\.\d+)\t([0-9a-f:]{17})`)

func scanSet(out string) []string {
	var hosts []string
	for _, m := range scanLineRE.FindAllStringSubmatch(out, -1) {
		hosts = append(hosts, m[1]+" "+m[2])
	}
	sort.Strings(hosts)
	return hosts
}

// TestLabScan: a /24 with 20 live hosts; garp --scan finds exactly those
// (address and MAC), as arp-scan does.
func TestLabScan(t *testing.T) {
	netlab.Need(t, "arp-scan")
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 21})
	var want []string
	for i := 1; i < 21; i++ {
		mac, err := s.Hosts[i].MAC("eth0")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, s.Addr4(i)+" "+mac.String())
	}
	sort.Strings(want)
	out, errOut, code := s.Hosts[0].RunTool(t, Run, "--scan", "198.19.0.0/24", "-I", "eth0", "--rate", "1000")
	if code != 0 || fmt.Sprint(scanSet(out)) != fmt.Sprint(want) {
		t.Errorf("exit %d %s\ngot  %v\nwant %v", code, errOut, scanSet(out), want)
	}
	peer, _ := s.Hosts[0].CombinedOutput(t, "arp-scan", "-I", "eth0", "198.19.0.0/24")
	if fmt.Sprint(scanSet(peer)) != fmt.Sprint(want) {
		t.Errorf("arp-scan found %v", scanSet(peer))
	}
}

// TestLabWatch: a third namespace claims h2's address with its own MAC by
// gratuitous ARP; garp --watch --once on h1 flags it and exits 1.
func TestLabWatch(t *testing.T) {
	netlab.Need(t, "arping")
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h1, h2, h3 := s.Hosts[0], s.Hosts[1], s.Hosts[2]
	type result struct {
		out  string
		code int
	}
	res := make(chan result, 1)
	go func() {
		out, _, code := h1.RunTool(t, Run, "--watch", "--once", "-I", "eth0", "-w", "10")
		res <- result{out, code}
	}()
	time.Sleep(500 * time.Millisecond)
	h2.CombinedOutput(t, "arping", "-c", "1", "-U", "-I", "eth0", s.Addr4(1)) // h2 announces itself
	time.Sleep(200 * time.Millisecond)
	// h3 claims it: arping will not send from an address h3 lacks, garp will.
	if _, errOut, code := h3.RunTool(t, Run, "-c", "1", "-U", "-I", "eth0", s.Addr4(1)); code != 0 {
		t.Fatalf("spoofing from h3: exit %d %s", code, errOut)
	}
	r := <-res
	h3MAC, _ := h3.MAC("eth0")
	if r.code != 1 || !strings.Contains(r.out, "new station "+s.Addr4(1)) || !strings.Contains(r.out, "CONFLICT "+s.Addr4(1)+" is at "+h3MAC.String()) {
		t.Errorf("exit %d\n%s", r.code, r.out)
	}
}

// TestLabCache: --cache lists what ip neigh lists.
func TestLabCache(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h1 := s.Hosts[0]
	for i := 1; i < 3; i++ {
		h1.CombinedOutput(t, "ping", "-c", "1", "-W", "1", s.Addr4(i))
	}
	want, _ := h1.CombinedOutput(t, "ip", "-4", "neigh")
	out, _, code := h1.RunTool(t, Run, "--cache")
	entry := regexp.MustCompile(`(?m)^(\S+) dev (\S+) lladdr (\S+)`)
	norm := func(s string) []string {
		var r []string
		for _, m := range entry.FindAllStringSubmatch(s, -1) {
			if strings.Contains(m[1], ".") {
				r = append(r, m[1]+" "+m[2]+" "+m[3])
			}
		}
		sort.Strings(r)
		return r
	}
	if code != 0 || len(norm(want)) != 2 || fmt.Sprint(norm(out)) != fmt.Sprint(norm(want)) {
		t.Errorf("exit %d\n--- garp:\n%s--- ip neigh:\n%s", code, out, want)
	}
}

// jsonLines decodes NDJSON output, failing on any line that is not one
// object, and groups the objects by type.
func jsonLines(t *testing.T, out string) map[string][]map[string]any {
	t.Helper()
	byType := map[string][]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("not a JSON object: %q", l)
		}
		typ, _ := obj["type"].(string)
		byType[typ] = append(byType[typ], obj)
	}
	return byType
}

// TestLabJSON: --json in each mode says what the text says, with the
// suite's field names (host, addr, from, mac, rtt_ms): the MAC is the host's own,
// the scan finds every host, the cache lists what ip neigh lists.
func TestLabJSON(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h1 := s.Hosts[0]
	macs := map[string]string{}
	for i := 1; i < 3; i++ {
		mac, err := s.Hosts[i].MAC("eth0")
		if err != nil {
			t.Fatal(err)
		}
		macs[s.Addr4(i)] = mac.String()
	}

	out, _, code := h1.RunTool(t, Run, "--json", "-c", "2", "-i", "0.2", "-I", "eth0", s.Addr4(1))
	js := jsonLines(t, out)
	if code != 0 || len(js["probe"]) != 2 || len(js["reply"]) != 2 || len(js["summary"]) != 1 {
		t.Fatalf("arping mode: exit %d\n%s", code, out)
	}
	for _, r := range js["reply"] {
		if r["host"] != s.Addr4(1) || r["addr"] != s.Addr4(1) || r["from"] != s.Addr4(1) || r["mac"] != macs[s.Addr4(1)] || r["rtt_ms"].(float64) <= 0 {
			t.Errorf("reply %v, want %s at %s", r, s.Addr4(1), macs[s.Addr4(1)])
		}
	}
	if sum := js["summary"][0]; sum["sent"] != float64(2) || sum["received"] != float64(2) {
		t.Errorf("summary %v", sum)
	}

	out, _, code = h1.RunTool(t, Run, "--json", "--scan", "198.19.0.0/24", "-I", "eth0", "--rate", "1000")
	js = jsonLines(t, out)
	found := map[string]string{}
	for _, h := range js["host"] {
		found[h["addr"].(string)] = h["mac"].(string)
	}
	if code != 0 || fmt.Sprint(found) != fmt.Sprint(macs) || len(js["summary"]) != 1 || js["summary"][0]["responded"] != float64(2) {
		t.Errorf("scan: exit %d, found %v, want %v\n%s", code, found, macs, out)
	}

	for ip := range macs { // the kernel learns neighbours from its own traffic, not from garp's frames
		h1.CombinedOutput(t, "ping", "-c", "1", "-W", "1", ip)
	}
	out, _, code = h1.RunTool(t, Run, "--json", "--cache")
	js = jsonLines(t, out)
	cached := map[string]string{}
	for _, n := range js["neighbour"] {
		if n["dev"] == "eth0" && n["mac"] != "" {
			cached[n["addr"].(string)] = n["mac"].(string)
		}
	}
	for ip, mac := range macs {
		if cached[ip] != mac {
			t.Errorf("cache: exit %d, %s at %q, want %s\n%s", code, ip, cached[ip], mac, out)
		}
	}
}
