package gdig

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestCompletionWords: every word the shell offers is one gdig takes.
func TestCompletionWords(t *testing.T) {
	for _, p := range plusOptions {
		t.Run(p, func(t *testing.T) {
			o := &options{globals: &globals{}}
			arg := strings.TrimPrefix(p, "+")
			if strings.HasSuffix(arg, "=") {
				arg += "1"
			}
			if err := o.plus(arg); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		})
	}
	for _, q := range queryTypes {
		if _, ok := dns.StringToType[q]; !ok {
			t.Errorf("type %s: not a type gdig takes", q)
		}
	}
	for _, c := range queryClasses {
		if _, ok := dns.StringToClass[c]; !ok {
			t.Errorf("class %s: not a class gdig takes", c)
		}
	}
}
