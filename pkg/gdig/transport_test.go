package gdig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/quic-go/quic-go"
)

// testPKI is a CA and a server certificate it signed, for 127.0.0.1 and
// dns.lab, and a client certificate it signed (mutual TLS), written as
// PEM files.
type testPKI struct {
	caFile, certFile, keyFile string
	clientCert, clientKey     string
	cert                      tls.Certificate
	pool                      *x509.CertPool // the CA, for a server that asks for client certificates
}

// newPKI makes a CA, a server and a client certificate in dir.
func newPKI(t *testing.T, dir, prefix string) testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: prefix + " test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	write := func(path, typ string, b []byte) string {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// leaf writes a certificate the CA signs, for usage, and its key.
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "dns.lab"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{"dns.lab"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return write(filepath.Join(dir, prefix+"-"+name+"-cert.pem"), "CERTIFICATE", der), write(filepath.Join(dir, prefix+"-"+name+"-key.pem"), "EC PRIVATE KEY", keyDER)
	}
	p := testPKI{caFile: write(filepath.Join(dir, prefix+"-ca.pem"), "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.certFile, p.keyFile = leaf(2, "server", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf(3, "client", x509.ExtKeyUsageClientAuth)
	p.cert, err = tls.LoadX509KeyPair(p.certFile, p.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answerLocally is a tiny authoritative answer for the transports' tests.
func answerLocally(q *dns.Msg) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(q)
	r.Authoritative = true
	r.Compress = true // as servers send it, and as gdig counts MSG SIZE
	if q.Question[0].Qtype == dns.TypeA && strings.EqualFold(q.Question[0].Name, "www.example.lab.") {
		a, _ := dns.NewRR("www.example.lab. 300 IN A 192.0.2.80")
		r.Answer = append(r.Answer, a)
	}
	return r
}

// serveDoQ is a DNS over QUIC server (RFC 9250) on loopback with conf's
// certificate (and client authentication): one query per stream,
// answered locally.
func serveDoQ(t *testing.T, conf *tls.Config) string {
	t.Helper()
	conf = conf.Clone()
	conf.NextProtos = []string{"doq"}
	ln, err := quic.ListenAddr("127.0.0.1:0", conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			go func() {
				st, err := conn.AcceptStream(context.Background())
				if err != nil {
					return
				}
				var n [2]byte
				if _, err := io.ReadFull(st, n[:]); err != nil {
					return
				}
				buf := make([]byte, binary.BigEndian.Uint16(n[:]))
				if _, err := io.ReadFull(st, buf); err != nil {
					return
				}
				q := new(dns.Msg)
				if q.Unpack(buf) != nil {
					return
				}
				wire, _ := answerLocally(q).Pack()
				_, _ = st.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(wire))), wire...))
				_ = st.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// servePlain answers the same over UDP on loopback, the reference.
func servePlain(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) { _ = w.WriteMsg(answerLocally(q)) })}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// runGdig runs gdig in-process.
func runGdig(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestDoQ: gdig +quic asks a DNS over QUIC server and prints what the
// same answer over UDP prints (but the SERVER line's transport); a
// server whose certificate the CA did not sign, or that names another
// host, is refused in one line with exit 9 and no plain query.
func TestDoQ(t *testing.T) {
	dir := t.TempDir()
	good, other := newPKI(t, dir, "good"), newPKI(t, dir, "other")
	doq := serveDoQ(t, &tls.Config{Certificates: []tls.Certificate{good.cert}})
	plain := servePlain(t)
	_, doqPort, _ := net.SplitHostPort(doq)
	_, plainPort, _ := net.SplitHostPort(plain)
	got, errOut, code := runGdig("@127.0.0.1", "-p", doqPort, "+quic", "--tls-ca", good.caFile, "www.example.lab", "+nocookie")
	want, _, _ := runGdig("@127.0.0.1", "-p", plainPort, "www.example.lab", "+nocookie")
	norm := func(s string) string {
		s = normalize(s)
		s = strings.ReplaceAll(s, "+quic --tls-ca "+good.caFile+" ", "")
		s = strings.NewReplacer("-p "+doqPort, "-p PORT", "-p "+plainPort, "-p PORT", "#"+doqPort, "#PORT", "#"+plainPort, "#PORT").Replace(s)
		return strings.NewReplacer(";; Query time: T", "", "(QUIC)", "(UDP)").Replace(s)
	}
	if code != 0 || norm(got) != norm(want) {
		t.Errorf("+quic: exit %d %s\n--- quic:\n%s--- udp:\n%s", code, errOut, got, want)
	}
	if !strings.Contains(got, "(QUIC)") {
		t.Errorf("+quic: SERVER line does not say QUIC\n%s", got)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"unknown CA", []string{"--tls-ca", other.caFile}},
		{"other host", []string{"--tls-ca", good.caFile, "+tls-hostname=elsewhere.lab"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"@127.0.0.1", "-p", doqPort, "+quic", "+time=2", "www.example.lab"}, c.args...)
			out, errOut, code := runGdig(args...)
			if code != 9 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "certificate") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 9 and one line", code, out, errOut)
			}
			t.Logf("%s", errOut)
		})
	}
	// +tls-hostname names a SAN the certificate holds: accepted.
	if _, errOut, code := runGdig("@127.0.0.1", "-p", doqPort, "+quic", "--tls-ca", good.caFile, "+tls-hostname=dns.lab", "www.example.lab"); code != 0 {
		t.Errorf("+tls-hostname=dns.lab: exit %d %s", code, errOut)
	}
}

// TestDoQClientCertificate: +tls-certfile and +tls-keyfile show a
// server that asks for one the client certificate; without them the
// server refuses the handshake and gdig gets no answer (exit 9). Either
// alone is refused before any query, in dig's words.
func TestDoQClientCertificate(t *testing.T) {
	pki := newPKI(t, t.TempDir(), "mtls")
	doq := serveDoQ(t, &tls.Config{Certificates: []tls.Certificate{pki.cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.pool})
	_, port, _ := net.SplitHostPort(doq)
	base := []string{"@127.0.0.1", "-p", port, "+quic", "--tls-ca", pki.caFile, "+time=2", "+tries=1", "www.example.lab"}
	out, errOut, code := runGdig(append(base, "+tls-certfile="+pki.clientCert, "+tls-keyfile="+pki.clientKey)...)
	if code != 0 || !strings.Contains(out, "192.0.2.80") {
		t.Errorf("with a client certificate: exit %d %s\n%s", code, errOut, out)
	}
	out, _, code = runGdig(base...)
	if code != 9 || strings.Contains(out, "192.0.2.80") {
		t.Errorf("without a client certificate: exit %d, want 9\n%s", code, out)
	}
	_, errOut, code = runGdig(append(base, "+tls-certfile="+pki.clientCert)...)
	if code != 1 || !strings.Contains(errOut, "both TLS client certificate and key file must be specified at the same time") {
		t.Errorf("a certificate without its key: exit %d %q", code, errOut)
	}
}

// TestTransportPort: +tls and +quic default to 853, +https to 443,
// +http-plain to 80, -p wins.
func TestTransportPort(t *testing.T) {
	for _, c := range []struct {
		transport string
		port      int
		want      int
		plain     bool
	}{{"", 53, 53, false}, {"tls", 53, 853, false}, {"quic", 53, 853, false}, {"https", 53, 443, false}, {"https", 8443, 8443, false},
		{"https", 53, 80, true}, {"https", 8080, 8080, true}} {
		t.Run(fmt.Sprintf("%s/%d/plain=%v", c.transport, c.port, c.plain), func(t *testing.T) {
			o := &options{globals: &globals{port: c.port}}
			o.encrypted, o.plainHTTP = c.transport, c.plain
			if got := o.transportPort(); got != c.want {
				t.Errorf("port %d, want %d", got, c.want)
			}
		})
	}
}
