package gdig

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// notHere are dig's options gdig refuses on purpose, each with why.
var notHere = map[string]string{
	"+yaml": "gdig prints text or NDJSON",
}

// digOption is one option of dig's -h: +[no]name[=value] or -x value.
var digOption = regexp.MustCompile(`(?m)^\s+([-+])(\[no\])?([a-z0-9-]+)(\[?=[^ \]]*\]?)?(?: ([^ (]+))?\s`)

// TestEveryDigOption walks dig's own option list (dig -h on this machine)
// and fails for any option gdig refuses, so the two cannot drift apart.
func TestEveryDigOption(t *testing.T) {
	out, err := exec.Command("dig", "-h").CombinedOutput()
	if err != nil && len(out) == 0 {
		t.Skip("dig (Debian package bind9-dnsutils) not installed")
	}
	t.Setenv("HOME", t.TempDir())
	keyFile := filepath.Join(t.TempDir(), "k.key")
	if err := os.WriteFile(keyFile, []byte("key \"k\" {\n\talgorithm hmac-sha256;\n\tsecret \"AAAA\";\n};\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range digOption.FindAllStringSubmatch(string(out), -1) {
		sign, neg, name, eq, arg := m[1], m[2], m[3], m[4], m[5]
		for _, form := range optionForms(sign, neg != "", name, eq, arg, keyFile) {
			n++
			t.Run(strings.Join(form, " "), func(t *testing.T) {
				if why, ok := notHere[sign+name]; ok {
					t.Skipf("refused on purpose: %s", why)
				}
				_, _, done, code := parseArgs(append(form, "@127.0.0.1", "x.lab"), io.Discard, io.Discard)
				if done && code != 0 {
					t.Fatalf("refused, status %d", code)
				}
			})
		}
	}
	if n < 100 {
		t.Errorf("only %d options found in dig -h: has its layout changed?\n%s", n, out)
	}
}

// optionForms are the ways to give one option of dig -h: with a value
// where it takes one, and +noname too where it has it.
func optionForms(sign string, neg bool, name, eq, arg, keyFile string) [][]string {
	if sign == "-" {
		values := map[string]string{"b": "127.0.0.1", "c": "IN", "f": os.DevNull, "k": keyFile, "p": "53", "q": "x.lab",
			"t": "MX", "x": "192.0.2.1", "y": "hmac-sha256:k:AAAA"}
		if v, ok := values[name]; ok && arg != "" {
			return [][]string{{"-" + name, v}}
		}
		return [][]string{{"-" + name}}
	}
	value := map[string]string{"subnet": "192.0.2.0/24", "ednsopt": "65001:0102", "domain": "lab", "opcode": "QUERY",
		"tls-ca": os.DevNull, "tls-hostname": "x", "tls-certfile": os.DevNull, "tls-keyfile": os.DevNull, "https": "/dns-query", "http-plain": "/dns-query"}[name]
	if value == "" {
		value = "1"
	}
	var forms [][]string
	switch {
	case eq == "":
		forms = append(forms, []string{"+" + name})
	case strings.HasPrefix(eq, "["):
		forms = append(forms, []string{"+" + name}, []string{"+" + name + "=" + value})
	default:
		forms = append(forms, []string{"+" + name + "=" + value})
	}
	if neg {
		forms = append(forms, []string{"+no" + name})
	}
	return forms
}

// TestParseLookups: several lookups on one line as dig reads them, the
// options before the first name for all, those after a name for it.
func TestParseLookups(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // per lookup: name type servers comments
	}{
		{[]string{"a.lab", "MX", "b.lab", "A"}, []string{"a.lab MX  true", "b.lab A  true"}},
		{[]string{"+short", "@192.0.2.1", "a.lab", "b.lab", "+comments", "@192.0.2.2"}, []string{"a.lab  192.0.2.1 false", "b.lab  192.0.2.1,192.0.2.2 true"}},
		{[]string{"a.lab", "@192.0.2.2"}, []string{"a.lab  192.0.2.2 true"}},
		{[]string{"-t", "AAAA", "a.lab", "b.lab", "-t", "TXT"}, []string{"a.lab AAAA  true", "b.lab TXT  true"}},
		{[]string{"a.lab", "-x", "192.0.2.1", "-q", "MX"}, []string{"a.lab   true", " PTR  true", "MX   true"}},
		{[]string{"+nocomm", "a.lab"}, []string{"a.lab   false"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			lookups, _, done, code := parseArgs(tc.args, io.Discard, io.Discard)
			if done {
				t.Fatalf("refused, %d", code)
			}
			var got []string
			for _, o := range lookups {
				typ := o.qtype
				if o.reverse != "" {
					typ = dns.TypeToString[dns.TypePTR]
				}
				servers := o.server
				if o.nextServer != "" {
					servers += "," + o.nextServer
				}
				got = append(got, strings.Join([]string{o.name, typ, servers, map[bool]string{true: "true", false: "false"}[o.sw.comments]}, " "))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
