package gdig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

// tsigSecret is the lab's TSIG key (RFC 8945), hmac-sha256.
const tsigSecret = "b3hJz3hIvWj7O5mO3RqOqtF5y7n0dM0lNQ+2r3oQq8Y="

// tsigServer starts an NSD on the client's loopback that knows the key
// tsig.lab. and serves tsig.lab., its transfer only to that key; it
// returns the lab and a key file in tsig-keygen's form.
func tsigServer(t *testing.T) (*netlab.DNS, string) {
	t.Helper()
	netlab.Need(t, "nsd", "dig")
	l := netlab.ForTest(t)
	d, err := l.NewDNS(netlab.DNSConfig{Servers: []string{"auth"}, Zones: []netlab.Zone{{Origin: "lab.", Servers: []string{"auth"}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zone := "$ORIGIN tsig.lab.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\nwww IN A 192.0.2.90\n"
	conf := fmt.Sprintf(`server:
  ip-address: 127.0.0.1
  port: 53
  username: ""
  chroot: ""
  zonesdir: %q
  pidfile: %q
  database: ""
  xfrdfile: %q
  zonelistfile: %q
  logfile: %q
remote-control:
  control-enable: no
key:
  name: "tsig.lab"
  algorithm: hmac-sha256
  secret: %q
zone:
  name: "tsig.lab."
  zonefile: "tsig.zone"
  provide-xfr: 127.0.0.0/8 tsig.lab
`, dir, filepath.Join(dir, "nsd.pid"), filepath.Join(dir, "xfrd.state"), filepath.Join(dir, "zone.list"), filepath.Join(dir, "nsd.log"), tsigSecret)
	for name, text := range map[string]string{"tsig.zone": zone, "nsd.conf": conf,
		"tsig.key": fmt.Sprintf("key \"tsig.lab\" {\n\talgorithm hmac-sha256;\n\tsecret \"%s\";\n};\n", tsigSecret)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := d.Client.Command(context.Background(), "nsd", "-d", "-c", filepath.Join(dir, "nsd.conf"))
	if err := d.Client.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.WaitTCP("127.0.0.1:53", 5*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "nsd.log"))
		t.Fatalf("nsd: %v\n%s", err, log)
	}
	return d, filepath.Join(dir, "tsig.key")
}

// normalizeTSIG hides what differs between two signed answers: the time
// signed and the MAC, besides normalize's times and IDs.
var normalizeTSIG = clitest.Normalize(
	`(?m)^(\S+\s+0\s+ANY\s+TSIG\s+\S+) \d+ (\d+ \d+) \S+ \d+ (.*)$`, "$1 TIME $2 MAC ID $3",
)

// TestLabTSIG: queries signed with -y and -k get the signed answers dig
// gets from an NSD with the key, printed as dig prints them (the TSIG
// pseudosection), and a zone transfer only that key may make.
func TestLabTSIG(t *testing.T) {
	d, keyFile := tsigServer(t)
	for _, args := range [][]string{
		{"@127.0.0.1", "-y", "hmac-sha256:tsig.lab:" + tsigSecret, "www.tsig.lab"},
		{"@127.0.0.1", "-y", "tsig.lab:" + tsigSecret, "www.tsig.lab", "+tcp"},
		{"@127.0.0.1", "-k", keyFile, "www.tsig.lab", "+noall", "+answer"},
		{"@127.0.0.1", "-k", keyFile, "tsig.lab", "AXFR"},
		{"@127.0.0.1", "tsig.lab", "AXFR"}, // refused without the key
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			want, wantCode := d.Client.CombinedOutput(t, "dig", args...)
			got, errOut, code := d.Client.RunTool(t, Run, args...)
			if n := func(s string) string { return normalizeTSIG(normalize(s)) }; n(got) != n(want) || code != wantCode {
				t.Errorf("exit %d/%d %s\n--- gdig:\n%s--- dig:\n%s", code, wantCode, errOut, got, want)
			}
		})
	}
}
