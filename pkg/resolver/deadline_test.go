package resolver

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDeadlineWithGluelessServers: a zone whose glued server is silent
// and whose other server has no glue ends at the resolution's deadline,
// as SERVFAIL, however the deadline falls between the steps.
func TestDeadlineWithGluelessServers(t *testing.T) {
	wd := newWorld(t)
	wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3",
		"test. 3600 IN NS tld2.ns.lab.", "tld2.ns.lab. 3600 IN A 127.0.0.10")
	wd.serve(t, "127.0.0.3", "lab.", "slow.lab. 3600 IN NS dead.slow.lab.", "dead.slow.lab. 3600 IN A 127.0.0.11",
		"slow.lab. 3600 IN NS ns.slow.test.")
	wd.serve(t, "127.0.0.10", "test.").silent.Store(true)
	wd.serve(t, "127.0.0.11", "slow.lab.").silent.Store(true)
	for _, deadline := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 700 * time.Millisecond} {
		t.Run(deadline.String(), func(t *testing.T) {
			r, _ := New(Config{Roots: wd.resolver(t, nil, "127.0.0.2").cfg.Roots, Port: wd.port, Timeout: 300 * time.Millisecond, Deadline: deadline})
			start := time.Now()
			res, err := r.Resolve(context.Background(), "www.slow.lab", dns.TypeA)
			if err == nil || res == nil || res.Msg.Rcode != dns.RcodeServerFailure {
				t.Fatalf("%v %v", res, err)
			}
			if d := time.Since(start); d > deadline+500*time.Millisecond {
				t.Errorf("took %v with a deadline of %v", d, deadline)
			}
		})
	}
}
