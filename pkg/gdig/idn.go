package gdig

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// IDN names as dig 9.18 converts them with libidn2 (+idnin, +idnout):
// both on by default only when stdout is a terminal, as dig does.

// idnLookup is UTS #46 as dig asks libidn2 for it: IDNA2008's rules
// (nontransitional: ß stays ß), names mapped (upper case, compatibility
// forms), the DNS lengths checked, but no STD3 host-name rule, so an
// underscore passes.
var idnLookup = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.VerifyDNSLength(true), idna.BidiRule(), idna.CheckHyphens(true), idna.CheckJoiners(true))

// idnToASCII is name as +idnin sends it: a name of ASCII alone as given
// (its xn-- labels must decode), any other its A-labels; the error is
// dig's refusal.
func idnToASCII(name string) (string, error) {
	ascii := true
	for i := 0; i < len(name); i++ {
		ascii = ascii && name[i] < utf8.RuneSelf
	}
	refuse := func(why string) error {
		return fmt.Errorf("'%s' is not a legal IDNA2008 name (%s), use +noidnin", name, why)
	}
	switch {
	case ascii:
		for _, l := range strings.Split(name, ".") {
			if isACE(l) {
				if _, err := idna.Punycode.ToUnicode(l); err != nil {
					return "", refuse("string contains invalid punycode data")
				}
			}
		}
		return name, nil
	case !utf8.ValidString(name):
		return "", refuse("could not convert string to UTF-8")
	}
	out, err := idnLookup.ToASCII(name)
	if err == nil {
		return out, nil
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "."), ".") {
		switch {
		case len(l) > 63:
			return "", refuse("domain label longer than 63 characters")
		case len(l) >= 4 && l[2:4] == "--" && !isACE(l):
			return "", refuse("string contains forbidden two hyphens pattern")
		case isACE(l):
			if _, err := idna.Punycode.ToUnicode(l); err != nil {
				return "", refuse("string contains invalid punycode data")
			}
		}
	}
	return "", refuse("string contains a disallowed character")
}

// isACE: the label is an A-label's form, xn-- and punycode.
func isACE(label string) bool { return len(label) > 4 && strings.EqualFold(label[:4], "xn--") }

// idnToUnicode is a name as +idnout prints it: its A-labels decoded, the
// case of the rest kept, when the result is a valid IDNA2008 name; as it
// is otherwise, as dig leaves a name it cannot convert.
func idnToUnicode(name string) string {
	labels := strings.Split(name, ".")
	changed := false
	for i, l := range labels {
		if !isACE(l) {
			continue
		}
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil {
			return name
		}
		labels[i], changed = u, true
	}
	if !changed {
		return name
	}
	u := strings.Join(labels, ".")
	if _, err := idnLookup.ToASCII(u); err != nil {
		return name
	}
	return u
}

// name is an owner name as d prints it: +idnout's Unicode, which dig
// lays out in columns as such.
func (d display) name(n string) string {
	if d.idnout {
		return idnToUnicode(n)
	}
	return n
}

// idnWriter prints the other names +idnout's way (those in record data):
// each word of the text that holds an A-label, decoded.
type idnWriter struct{ w io.Writer }

func (iw idnWriter) Write(p []byte) (int, error) {
	s := string(p)
	if !strings.Contains(strings.ToLower(s), "xn--") {
		return iw.w.Write(p)
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, " \t\n")
		if i < 0 {
			i = len(s)
		}
		word := s[:i]
		lead := len(word) - len(strings.TrimLeft(word, ";"))
		b.WriteString(word[:lead] + idnToUnicode(word[lead:]))
		j := i
		for j < len(s) && strings.IndexByte(" \t\n", s[j]) >= 0 {
			j++
		}
		b.WriteString(s[i:j])
		s = s[j:]
	}
	if _, err := io.WriteString(iw.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
