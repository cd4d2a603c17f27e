package gdig

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/quic-go/quic-go"
	"github.com/spf13/pflag"

	"gnetutils/pkg/cli"
)

// transportOptions are the stub transports beside plain DNS: DNS over TLS
// (RFC 7858), HTTPS (RFC 8484; or cleartext HTTP/2, dig's +http-plain) and
// QUIC (RFC 9250), as dig 9.18 and kdig name them. Unlike dig, gdig always
// verifies the server's certificate: with the system's roots, or
// --tls-ca's; +tls-certfile and +tls-keyfile give it one of its own
// (mutual TLS).
type transportOptions struct {
	encrypted   string // "", "tls", "https", "quic"
	plainHTTP   bool   // +http-plain: "https" without TLS
	httpsGet    bool
	httpsPath   string
	tlsName     string // +tls-hostname
	tlsCA       string // --tls-ca, +tls-ca=FILE
	tlsCertFile string // +tls-certfile: the client's certificate chain (PEM)
	tlsKeyFile  string // +tls-keyfile: its private key (PEM)
}

func (o *globals) addTransportFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.tlsCA, "tls-ca", "", "`FILE` of CA certificates (PEM) to verify a +tls/+https/+quic server with (default: the system's)")
}

// transportPlus applies the transport +options; false for any other.
func (o *options) transportPlus(key, val string, hasVal bool) bool {
	switch key {
	case "tls", "quic":
		o.encrypted = key
	case "https", "https-post", "https-get", "http-plain", "http-plain-post", "http-plain-get":
		o.encrypted = "https"
		o.plainHTTP = strings.HasPrefix(key, "http-plain")
		o.httpsGet = strings.HasSuffix(key, "-get")
		if hasVal {
			o.httpsPath = val
		}
	case "notls", "nohttps", "nohttps-get", "nohttps-post", "noquic", "nohttp-plain", "nohttp-plain-get", "nohttp-plain-post":
		o.encrypted = ""
	case "notls-hostname":
		o.tlsName = ""
	case "notls-ca":
		o.tlsCA = ""
	case "tls-hostname":
		o.tlsName = val
	case "tls-ca":
		o.tlsCA = val
	case "tls-certfile", "notls-certfile":
		o.tlsCertFile = val
	case "tls-keyfile", "notls-keyfile":
		o.tlsKeyFile = val
	default:
		return false
	}
	return true
}

// transportPort is the port of the @server: the transport's own (853,
// 443) unless -p names another than 53.
func (o *options) transportPort() int {
	if o.port != 53 {
		return o.port
	}
	switch o.encrypted {
	case "tls", "quic":
		return 853
	case "https":
		if o.plainHTTP {
			return 80
		}
		return 443
	}
	return o.port
}

// errCertificate marks a server whose certificate does not verify: one
// line and exit 9, never a retry nor a fall back to plain DNS.
type errCertificate struct{ err error }

func (e *errCertificate) Error() string { return e.err.Error() }

// encryptedStub asks s over the encrypted transport, with dig's tries,
// and prints the answer as a plain one, the SERVER line naming the
// transport as dig does ("(TLS)", "(HTTPS)").
func (o *options) encryptedStub(ctx context.Context, q *dns.Msg, rq request, s stubServer, p printer, stderr io.Writer) int {
	conf, err := o.tlsConfig(s)
	if err != nil {
		return command.Fail(stderr, exitUsage, "%v", err)
	}
	var resp *dns.Msg
	var rtt time.Duration
	var size int
	for try := 0; try < o.tries; try++ {
		start := time.Now()
		tctx, cancel := context.WithTimeout(ctx, o.timeout)
		resp, size, err = o.encryptedExchange(tctx, q, s, conf)
		cancel()
		rtt = time.Since(start)
		var ce *errCertificate
		if errors.As(err, &ce) {
			return command.Fail(stderr, exitNoReply, "%s#%d: TLS certificate not accepted: %v", s.addr, s.port, ce.err)
		}
		if err == nil {
			break
		}
		p.stubTryFailed(s, rq.name, o.encrypted, err, false)
	}
	if err != nil {
		p.stubNoReply(s, o.encrypted, rq.cmdLine, err)
		return exitNoReply
	}
	label := strings.ToUpper(o.encrypted)
	if o.plainHTTP {
		label = "HTTP"
	}
	if o.httpsGet {
		label += "-GET" // dig's words: HTTPS-GET, HTTP-GET
	}
	server := fmt.Sprintf("%s#%d(%s) (%s)", s.addr, s.port, s.host, label)
	p.answer(reply{msg: resp, rtt: rtt, server: server, cmdLine: rq.cmdLine, serverFound: true, size: size})
	return cli.ExitOK
}

// tlsConfig verifies the server as +tls-hostname names it, or as the
// @server was given (a name, or the address as an IP SAN), and shows it
// the client certificate of +tls-certfile and +tls-keyfile, if given.
func (o *options) tlsConfig(s stubServer) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.tlsName}
	if (o.tlsCertFile == "") != (o.tlsKeyFile == "") {
		return nil, errors.New("both TLS client certificate and key file must be specified at the same time") // dig's words
	}
	if o.tlsCertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCertFile, o.tlsKeyFile)
		if err != nil {
			return nil, fmt.Errorf("+tls-certfile, +tls-keyfile: %v", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if conf.ServerName == "" {
		conf.ServerName = s.host
	}
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", o.tlsCA)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// encryptedExchange sends q once over the transport. size is the
// answer's bytes as they came, for MSG SIZE (dig counts what it received,
// not what a repacking would compress).
func (o *options) encryptedExchange(ctx context.Context, q *dns.Msg, s stubServer, conf *tls.Config) (resp *dns.Msg, size int, err error) {
	var wire []byte
	switch o.encrypted {
	case "tls":
		wire, err = dotExchange(ctx, q, s.target(), conf)
	case "https":
		wire, err = o.dohExchange(ctx, q, s, conf)
	case "quic":
		wire, err = doqExchange(ctx, q, s.target(), conf)
	}
	if ce := certError(err); ce != nil {
		return nil, 0, &errCertificate{ce}
	}
	if err != nil {
		return nil, 0, err
	}
	resp = new(dns.Msg)
	if err := resp.Unpack(wire); err != nil {
		return nil, 0, err
	}
	if resp.Id != q.Id && resp.Id != 0 { // DoH and DoQ answer ID 0
		return nil, 0, errors.New("response with another ID")
	}
	resp.Id = q.Id
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, q.Question[0].Name) || resp.Question[0].Qtype != q.Question[0].Qtype {
		return nil, 0, errors.New("response to another question")
	}
	return resp, len(wire), nil
}

// dotExchange asks over TLS (RFC 7858): the message with a two-byte
// length on one connection, the answer's bytes as they came.
func dotExchange(ctx context.Context, q *dns.Msg, target string, conf *tls.Config) ([]byte, error) {
	conn, err := (&tls.Dialer{Config: conf}).DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	return exchangeStream(conn, q)
}

// exchangeStream writes q with its two-byte length (RFC 7766 8; RFC 9250
// 4.2 for QUIC streams) and reads the one answer so framed.
func exchangeStream(rw io.ReadWriter, q *dns.Msg) ([]byte, error) {
	wire, err := q.Pack()
	if err != nil {
		return nil, err
	}
	if _, err := rw.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(wire))), wire...)); err != nil {
		return nil, err
	}
	var n [2]byte
	if _, err := io.ReadFull(rw, n[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(rw, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// certError is the certificate's fault in a failed handshake (the x509
// error alone, whatever the transport wrapped it in), or nil.
func certError(err error) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return unknown
	case errors.As(err, &host):
		return host
	case errors.As(err, &invalid):
		return invalid
	case errors.As(err, &verify):
		return verify
	}
	return nil
}

// dohExchange asks over HTTPS (RFC 8484), or cleartext HTTP/2 with
// +http-plain: POST, or GET with the message in the dns parameter.
func (o *options) dohExchange(ctx context.Context, q *dns.Msg, s stubServer, conf *tls.Config) ([]byte, error) {
	req, err := o.dohRequest(ctx, q, s)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: conf, ForceAttemptHTTP2: true}
	if o.plainHTTP {
		// HTTP/2 without TLS, with prior knowledge (RFC 9113 3.3), as
		// dig and unbound's http-notls-downstream speak it.
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the cause, without the request's URL and its query
	}
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 65536))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", res.Status)
	}
	return body, nil
}

// dohRequest is q as a DoH request to s: the ID 0, as RFC 8484 asks, so
// caches can share answers.
func (o *options) dohRequest(ctx context.Context, q *dns.Msg, s stubServer) (*http.Request, error) {
	m := q.Copy()
	m.Id = 0
	wire, err := m.Pack()
	if err != nil {
		return nil, err
	}
	path := o.httpsPath
	if path == "" {
		path = "/dns-query"
	}
	scheme := "https://"
	if o.plainHTTP {
		scheme = "http://"
	}
	endpoint := scheme + net.JoinHostPort(s.addr.String(), strconv.Itoa(s.port)) + path
	var req *http.Request
	if o.httpsGet {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?dns="+base64.RawURLEncoding.EncodeToString(wire), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(wire))
		if req != nil {
			req.Header.Set("Content-Type", "application/dns-message")
		}
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/dns-message")
	return req, nil
}

// doqExchange asks over QUIC (RFC 9250): one stream per query, ALPN doq,
// the message with a two-byte length and ID 0, the stream's write side
// closed after it.
func doqExchange(ctx context.Context, q *dns.Msg, target string, conf *tls.Config) ([]byte, error) {
	conf = conf.Clone()
	conf.NextProtos = []string{"doq"}
	conn, err := quic.DialAddr(ctx, target, conf, &quic.Config{})
	if err != nil {
		return nil, err
	}
	defer conn.CloseWithError(0, "") // DOQ_NO_ERROR
	m := q.Copy()
	m.Id = 0
	st, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = st.SetDeadline(d)
	}
	return exchangeStream(closeAfterWrite{st}, m)
}

// closeAfterWrite closes a QUIC stream's write side once the query is
// written: RFC 9250 4.2 has the client send STREAM FIN after it.
type closeAfterWrite struct{ *quic.Stream }

func (c closeAfterWrite) Write(b []byte) (int, error) {
	n, err := c.Stream.Write(b)
	if err == nil {
		err = c.Stream.Close()
	}
	return n, err
}
