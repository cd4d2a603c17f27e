package gping

import (
	"errors"
	"strings"

	"golang.org/x/net/idna"
)

// ping -N subject-name= looks its name up with libidn2 (idn2_lookup_ul,
// UTS #46 nontransitional) before anything else, and refuses what libidn2
// refuses, in libidn2's words ("IDN encoding error: ...", status 2): a
// label that starts or ends with a hyphen or has two in its third and
// fourth places, an xn-- label that is not punycode of an allowed name,
// then a label over 63 bytes, a name over 253 (a final dot aside). An ASCII name is otherwise
// taken as it is: control characters, spaces, underscores and all.

// libidn2's words for what idnLookup refuses.
var (
	errIDNHyphen     = errors.New("string start/ends with forbidden hyphen")
	errIDNTwoHyphens = errors.New("string contains forbidden two hyphens pattern")
	errIDNPunycode   = errors.New("string contains invalid punycode data")
	errIDNForbidden  = errors.New("domain label has character forbidden in non-transitional mode (TR46)")
	errIDNLabel      = errors.New("domain label longer than 63 characters")
	errIDNDomain     = errors.New("domain name longer than 255 characters")
)

// idnProfile maps and checks a name with non-ASCII characters as libidn2
// does without STD3 rules; idnLookup checks hyphens and lengths itself.
var idnProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.CheckHyphens(false), idna.VerifyDNSLength(false), idna.BidiRule())

// idnLookup is name as libidn2 looks it up: in ASCII, lower case, checked.
func idnLookup(name string) (string, error) {
	ascii := name
	if !isASCII(name) {
		var err error
		if ascii, err = idnProfile.ToASCII(name); err != nil {
			return "", errIDNForbidden
		}
	}
	labels := strings.Split(asciiLower(ascii), ".")
	for _, l := range labels {
		if err := idnCheckLabel(l); err != nil {
			return "", err
		}
	}
	for _, l := range labels {
		if len(l) > 63 {
			return "", errIDNLabel
		}
	}
	if len(strings.TrimSuffix(ascii, ".")) > 253 { // the root's dot not counted
		return "", errIDNDomain
	}
	return ascii, nil
}

// idnCheckLabel checks one label as UTS #46 does (its CheckHyphens, and
// the punycode of an xn-- label).
func idnCheckLabel(l string) error {
	if strings.HasPrefix(l, "xn--") {
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil || len(l) == 4 || isASCII(u) {
			return errIDNPunycode
		}
		if back, err := idna.Punycode.ToASCII(u); err != nil || back != l {
			return errIDNPunycode
		}
		if _, err := idnProfile.ToASCII(u); err != nil {
			return errIDNForbidden
		}
		return nil
	}
	switch {
	case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
		return errIDNHyphen
	case len(l) >= 4 && l[2:4] == "--":
		return errIDNTwoHyphens
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
