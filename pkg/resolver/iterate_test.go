package resolver

import (
	"context"
	"testing"

	"github.com/miekg/dns"
)

// TestDSFromParent: DS is asked of the parent's servers even once the
// child's delegation is cached; the child would answer NODATA from its
// own side of the cut.
func TestDSFromParent(t *testing.T) {
	wd := standard(t) // lab. holds the DS of example.lab.
	r := wd.resolver(t, nil, "127.0.0.2")
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www.example.lab", dns.TypeA}, {"example.lab", dns.TypeDS}, {"example.lab", dns.TypeDS}} {
		res, err := r.Resolve(context.Background(), q.name, q.qtype)
		if err != nil {
			t.Fatal(err)
		}
		if q.qtype == dns.TypeDS && (len(res.Msg.Answer) != 1 || res.Msg.Answer[0].Header().Rrtype != dns.TypeDS) {
			t.Errorf("DS after the delegation was cached: %v", res.Msg)
		}
	}
	tests := []struct{ name, want string }{{"example.lab.", "lab."}, {"lab.", "."}, {".", "."}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dsParent(tc.name, dns.TypeDS); got != tc.want {
				t.Errorf("dsParent %s = %s, want %s", tc.name, got, tc.want)
			}
		})
	}
}
