package gdig

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"regexp"
	"strings"

	"github.com/miekg/dns"
)

// tsigKey is the key of -y or -k that signs every query (RFC 8945).
type tsigKey struct {
	name, alg, secret string
}

// tsigAlgs are the HMACs dig takes by name, with miekg/dns's names.
var tsigAlgs = map[string]string{
	"hmac-md5": dns.HmacMD5, "hmac-sha1": dns.HmacSHA1, "hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256, "hmac-sha384": dns.HmacSHA384, "hmac-sha512": dns.HmacSHA512,
}

// loadTSIG reads -y [hmac:]name:secret or -k's file; neither is no key.
func loadTSIG(text, file string) (*tsigKey, error) {
	switch {
	case text != "":
		parts := strings.Split(text, ":")
		if len(parts) == 2 {
			// dig 9.18's default for a key without its HMAC.
			parts = append([]string{"hmac-md5"}, parts...)
		}
		if len(parts) != 3 {
			return nil, fmt.Errorf("invalid key string '%s'", text)
		}
		return newTSIG(parts[0], parts[1], parts[2])
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("couldn't read key from %s: %v", file, err)
		}
		return parseKeyFile(string(b))
	}
	return nil, nil
}

// keyClause is named.conf's key clause, as tsig-keygen writes it.
var keyClause = regexp.MustCompile(`(?s)key\s+"?([^"\s{]+)"?\s*\{\s*algorithm\s+"?([\w-]+)"?\s*;\s*secret\s+"([^"]+)"\s*;`)

func parseKeyFile(text string) (*tsigKey, error) {
	m := keyClause.FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("no key clause in the key file")
	}
	return newTSIG(m[2], m[1], m[3])
}

// newTSIG checks a key as dig does: an HMAC it knows, a secret in base64.
func newTSIG(alg, name, secret string) (*tsigKey, error) {
	a, ok := tsigAlgs[strings.ToLower(strings.TrimSuffix(alg, "."))]
	if !ok {
		return nil, fmt.Errorf("unknown key type '%s'", alg)
	}
	if _, err := base64.StdEncoding.DecodeString(secret); err != nil {
		return nil, fmt.Errorf("could not create key %s: bad base64 encoding", name)
	}
	return &tsigKey{name: dns.Fqdn(strings.ToLower(name)), alg: a, secret: secret}, nil
}

// hmacs are the hash of each HMAC dig signs with; miekg/dns's own
// provider lacks hmac-md5, which dig 9.18 takes by default.
var hmacs = map[string]func() hash.Hash{
	dns.HmacMD5: md5.New, dns.HmacSHA1: sha1.New, dns.HmacSHA224: sha256.New224,
	dns.HmacSHA256: sha256.New, dns.HmacSHA384: sha512.New384, dns.HmacSHA512: sha512.New,
}

// provider signs and checks with k (miekg/dns's TsigProvider).
func (k *tsigKey) provider() dns.TsigProvider { return tsigProvider{k} }

type tsigProvider struct{ k *tsigKey }

func (p tsigProvider) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	h, ok := hmacs[strings.ToLower(t.Algorithm)]
	if !ok {
		return nil, dns.ErrKeyAlg
	}
	secret, err := base64.StdEncoding.DecodeString(p.k.secret)
	if err != nil {
		return nil, err
	}
	m := hmac.New(h, secret)
	m.Write(msg)
	return m.Sum(nil), nil
}

func (p tsigProvider) Verify(msg []byte, t *dns.TSIG) error {
	mac, err := p.Generate(msg, t)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(got, mac) {
		return dns.ErrSig
	}
	return nil
}
