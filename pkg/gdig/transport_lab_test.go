package gdig

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"

	"github.com/miekg/dns"
)

// startTLSUnbound runs unbound in its own namespace serving DNS over UDP
// (53), TLS (853) and HTTPS (443) on loopback with the certificate of
// pki, and a second one serving DNS over cleartext HTTP/2 (8080; unbound's
// http-notls-downstream holds for every https-port of a server), each
// answering www.example.lab from a local zone: nothing leaves them.
func startTLSUnbound(t *testing.T, pki testPKI) *netlab.NS {
	t.Helper()
	netlab.Need(t, "unbound", "dig")
	l := netlab.ForTest(t)
	ns, err := l.AddNS("dot")
	if err != nil {
		t.Fatal(err)
	}
	startLocalUnbound(t, ns, fmt.Sprintf(`  interface: 127.0.0.1@53
  interface: 127.0.0.1@853
  interface: 127.0.0.1@443
  tls-service-key: %q
  tls-service-pem: %q
  tls-port: 853
  https-port: 443
`, pki.keyFile, pki.certFile), "53", "853", "443")
	startLocalUnbound(t, ns, `  interface: 127.0.0.1@8053
  interface: 127.0.0.1@8080
  https-port: 8080
  http-notls-downstream: yes
`, "8080")
	return ns
}

// startLocalUnbound runs unbound in ns with settings (its interfaces and
// transports) in its server section, answering www.example.lab from a
// local zone, and waits for its TCP ports.
func startLocalUnbound(t *testing.T, ns *netlab.NS, settings string, ports ...string) {
	t.Helper()
	dir := t.TempDir()
	hints := filepath.Join(dir, "root.hints")
	if err := os.WriteFile(hints, []byte(".\t3600000\tNS\tdead.\ndead.\t3600000\tA\t127.0.0.254\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`server:
%s  do-daemonize: no
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
`, settings, dir, filepath.Join(dir, "unbound.pid"), hints, filepath.Join(dir, "unbound.log"))
	path := filepath.Join(dir, "unbound.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(ns.Command(t.Context(), "unbound", "-d", "-c", path)); err != nil {
		t.Fatal(err)
	}
	for _, port := range ports {
		if err := ns.WaitTCP("127.0.0.1:"+port, 5*time.Second); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "unbound.log"))
			t.Fatalf("unbound on %s: %v\n%s", port, err, log)
		}
	}
}

// TestLabDoTDoH: +tls, +https (POST and GET) and +http-plain (POST and
// GET, DNS over cleartext HTTP/2) against unbound print what plain UDP
// prints and what dig prints with the same options (the transport on the
// SERVER line aside); a certificate from another CA, or for another
// name, is refused in one line with exit 9.
func TestLabDoTDoH(t *testing.T) {
	dir := t.TempDir()
	good, other := newPKI(t, dir, "good"), newPKI(t, dir, "other")
	ns := startTLSUnbound(t, good)
	norm := func(s string) string {
		s = normalize(regexp.MustCompile(`127\.0\.0\.1#(53|853|443|8080)`).ReplaceAllString(s, "127.0.0.1#PORT"))
		s = strings.NewReplacer("--tls-ca "+good.caFile+" ", "", ";; Query time: T", "").Replace(s)
		for _, w := range []string{"+tls ", "+https ", "+https-get ", "+http-plain ", "+http-plain-get ", "-p 8080 ", "+tls-ca=" + good.caFile + " "} {
			s = strings.ReplaceAll(s, w, "")
		}
		return s
	}
	// The binary: net/http dials on goroutines of its own, which NS.Do's
	// thread does not take into the namespace.
	bin := netlab.Binary(t, "gdig")
	run := func(args ...string) (string, string, int) { return runBinary(t, ns, bin, "", args...) }
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
	for _, c := range []string{"+http-plain", "+http-plain-get"} {
		t.Run(c, func(t *testing.T) {
			got, errOut, code := run("@127.0.0.1", "-p", "8080", c, "+nocookie", "www.example.lab")
			if code != 0 || norm(got) != norm(plain) {
				t.Errorf("exit %d %s\n--- %s:\n%s--- udp:\n%s", code, errOut, c, got, plain)
			}
			dig, _ := ns.CombinedOutput(t, "dig", "@127.0.0.1", "-p", "8080", c, "+nocookie", "www.example.lab")
			if norm(got) != norm(dig) {
				t.Errorf("gdig and dig differ\n--- gdig:\n%s--- dig:\n%s", got, dig)
			}
			if want := map[string]string{"+http-plain": "(HTTP)", "+http-plain-get": "(HTTP-GET)"}[c]; !strings.Contains(got, want) || !strings.Contains(dig, want) {
				t.Errorf("SERVER line without %s\n--- gdig:\n%s--- dig:\n%s", want, got, dig)
			}
		})
	}
}

// serveMutualTLS serves DNS over TLS on 127.0.0.1:853 and over HTTPS
// (POST and GET, HTTP/2) on 127.0.0.1:443 in ns, each answering locally
// and only a client that shows a certificate pki's CA signed (unbound
// cannot ask for one). The sockets are opened in ns; the goroutines that
// serve them need not be there.
func serveMutualTLS(t *testing.T, ns *netlab.NS, pki testPKI) {
	t.Helper()
	conf := &tls.Config{Certificates: []tls.Certificate{pki.cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.pool}
	var dot, doh net.Listener
	if err := ns.Do(func() (err error) {
		// ALPN "dot" (RFC 7858's), without which dig 9.18 gives up on the
		// connection in silence.
		dotConf := conf.Clone()
		dotConf.NextProtos = []string{"dot"}
		if dot, err = tls.Listen("tcp", "127.0.0.1:853", dotConf); err != nil {
			return err
		}
		doh, err = net.Listen("tcp", "127.0.0.1:443")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dns53 := &dns.Server{Listener: dot, Net: "tcp-tls", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) { _ = w.WriteMsg(answerLocally(q)) })}
	go func() { _ = dns53.ActivateAndServe() }()
	web := &http.Server{Handler: http.HandlerFunc(serveDoH), TLSConfig: conf}
	go func() { _ = web.ServeTLS(doh, "", "") }()
	t.Cleanup(func() { _ = dns53.Shutdown(); _ = web.Close() })
}

// serveDoH answers a DNS over HTTPS request (RFC 8484), POST or GET.
func serveDoH(w http.ResponseWriter, r *http.Request) {
	var wire []byte
	var err error
	if r.Method == http.MethodGet {
		wire, err = base64.RawURLEncoding.DecodeString(r.URL.Query().Get("dns"))
	} else {
		wire, err = io.ReadAll(io.LimitReader(r.Body, 65536))
	}
	q := new(dns.Msg)
	if err != nil || q.Unpack(wire) != nil || len(q.Question) != 1 {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	out, _ := answerLocally(q).Pack()
	w.Header().Set("Content-Type", "application/dns-message")
	_, _ = w.Write(out)
}

// TestLabMutualTLS: +tls-certfile and +tls-keyfile show a DNS over TLS
// or HTTPS server that asks for it the client's certificate: gdig prints
// what dig prints with the same options; without them the server
// refuses the handshake and neither gets an answer.
func TestLabMutualTLS(t *testing.T) {
	netlab.Need(t, "dig")
	pki := newPKI(t, t.TempDir(), "mtls")
	ns := netlab.ForTest(t).MustNS(t, "mtls")
	serveMutualTLS(t, ns, pki)
	bin := netlab.Binary(t, "gdig")
	norm := func(s string) string {
		return strings.Replace(normalize(s), ";; Query time: T", "", 1)
	}
	cert := []string{"+tls-certfile=" + pki.clientCert, "+tls-keyfile=" + pki.clientKey}
	for _, transport := range []string{"+tls", "+https", "+https-get"} {
		t.Run(transport, func(t *testing.T) {
			args := []string{"@127.0.0.1", transport, "+nocookie", "+tries=1", "+time=2", "www.example.lab"}
			got, errOut, code := runBinary(t, ns, bin, "", append(append(args, "--tls-ca", pki.caFile), cert...)...)
			dig, digCode := ns.CombinedOutput(t, "dig", append(append(args, "+tls-ca="+pki.caFile), cert...)...)
			if code != 0 || code != digCode || norm(got) != norm(dig) || !strings.Contains(got, "192.0.2.80") {
				t.Errorf("exit %d, dig's %d %s\n--- gdig:\n%s--- dig:\n%s", code, digCode, errOut, got, dig)
			}
			got, errOut, code = runBinary(t, ns, bin, "", append(args, "--tls-ca", pki.caFile)...)
			dig, digCode = ns.CombinedOutput(t, "dig", append(args, "+tls-ca="+pki.caFile)...)
			if code == 0 || strings.Contains(got, "192.0.2.80") || strings.Contains(dig, "192.0.2.80") {
				t.Errorf("without a client certificate: exit %d (dig's %d) %s\n--- gdig:\n%s--- dig:\n%s", code, digCode, errOut, got, dig)
			}
			t.Logf("without a certificate, gdig (exit %d):\n%s%s--- dig (exit %d):\n%s", code, got, errOut, digCode, dig)
		})
	}
}
