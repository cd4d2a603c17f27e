package gdig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// startTLSUnbound runs unbound in its own namespace serving DNS over UDP
// (53), TLS (853) and HTTPS (443) on loopback with the certificate of
// pki, answering www.example.lab from a local zone: nothing leaves it.
func startTLSUnbound(t *testing.T, pki testPKI) *netlab.NS {
	t.Helper()
	netlab.Need(t, "unbound", "dig")
	l := netlab.ForTest(t)
	ns, err := l.AddNS("dot")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hints := filepath.Join(dir, "root.hints")
	if err := os.WriteFile(hints, []byte(".\t3600000\tNS\tdead.\ndead.\t3600000\tA\t127.0.0.254\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`server:
  interface: 127.0.0.1@53
  interface: 127.0.0.1@853
  interface: 127.0.0.1@443
  tls-service-key: %q
  tls-service-pem: %q
  tls-port: 853
  https-port: 443
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: %q
  root-hints: %q
  module-config: "iterator"
  use-syslog: no
  logfile: %q
  access-control: 127.0.0.0/8 allow
  local-zone: "example.lab." static
  local-data: "www.example.lab. 300 IN A 192.0.2.80"
  local-data: "www.example.lab. 300 IN AAAA 2001:db8::80"
remote-control:
  control-enable: no
`, pki.keyFile, pki.certFile, dir, filepath.Join(dir, "unbound.pid"), hints, filepath.Join(dir, "unbound.log"))
	path := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(ns.Command(t.Context(), "unbound", "-d", "-c", path)); err != nil {
		t.Fatal(err)
	}
	for _, port := range []string{"53", "853", "443"} {
		if err := ns.WaitTCP("127.0.0.1:"+port, 5*time.Second); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
			t.Fatalf("unbound on %s: %v\n%s", port, err, log)
		}
	}
	return ns
}

// TestLabDoTDoH: +tls and +https (POST and GET) against unbound print
// what plain UDP prints and what dig +tls / +https prints (the transport
// on the SERVER line aside); a certificate from another CA, or for
// another name, is refused in one line with exit 9.
func TestLabDoTDoH(t *testing.T) {
	dir := t.TempDir()
	good, other := newPKI(t, dir, "good"), newPKI(t, dir, "other")
	ns := startTLSUnbound(t, good)
	norm := func(s string) string {
		s = normalize(regexp.MustCompile(`127\.0\.0\.1#(53|853|443)`).ReplaceAllString(s, "127.0.0.1#PORT"))
		s = strings.NewReplacer("--tls-ca "+good.caFile+" ", "", ";; Query time: T", "").Replace(s)
		for _, w := range []string{"+tls ", "+https ", "+https-get ", "+tls-ca=" + good.caFile + " "} {
			s = strings.ReplaceAll(s, w, "")
		}
		return s
	}
	// The binary: net/http dials on goroutines of its own, which NS.Do's
	// thread does not take into the namespace.
	bin := netlab.Binary(t, "gdig")
	run := func(args ...string) (string, string, int) {
		cmd := ns.Command(t.Context(), bin, args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), errOut.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), 0
	}
	plain, _, _ := run("@127.0.0.1", "+nocookie", "www.example.lab")
	for _, c := range []struct {
		transport string
		dig       []string
	}{
		{"+tls", []string{"+tls", "+tls-ca=" + good.caFile}},
		{"+https", []string{"+https", "+tls-ca=" + good.caFile}},
		{"+https-get", []string{"+https-get", "+tls-ca=" + good.caFile}},
	} {
		t.Run(c.transport, func(t *testing.T) {
			got, errOut, code := run("@127.0.0.1", c.transport, "--tls-ca", good.caFile, "+nocookie", "www.example.lab")
			if code != 0 || norm(got) != norm(plain) {
				t.Errorf("exit %d %s\n--- %s:\n%s--- udp:\n%s", code, errOut, c.transport, got, plain)
			}
			dig, _ := ns.CombinedOutput(t, "dig", append([]string{"@127.0.0.1", "+nocookie", "www.example.lab"}, c.dig...)...)
			if norm(got) != norm(dig) {
				t.Errorf("gdig and dig differ\n--- gdig:\n%s--- dig:\n%s", got, dig)
			}
			t.Logf("%s", got)
			for _, bad := range [][]string{{"--tls-ca", other.caFile}, {"--tls-ca", good.caFile, "+tls-hostname=elsewhere.lab"}} {
				args := append([]string{"@127.0.0.1", c.transport, "+time=2", "www.example.lab"}, bad...)
				out, errOut, code := run(args...)
				if code != 9 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "certificate") {
					t.Errorf("%v: exit %d, stdout %q, stderr %q; want 9 and one line", bad, code, out, errOut)
				}
			}
		})
	}
}
