package resolver

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// TestFlights: lookups started at once share what they would ask alike:
// 20 names under example.lab. cost the root and lab. one query each, not
// 20; 10 lookups of one name cost its server one query. Run several times,
// each with a fresh resolver.
func TestFlights(t *testing.T) {
	tests := []struct {
		name                 string
		names                func(i int) string
		n                    int
		wantRoot, wantLab    int
		wantAuthAtMost       int
		wantAnswersPerLookup int
	}{
		{"names under one zone", func(i int) string { return fmt.Sprintf("n%d.example.lab", i) }, 20, 1, 1, 20, 0},
		{"one name", func(int) string { return "www.example.lab" }, 10, 1, 1, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for run := 0; run < 3; run++ {
				wd := standard(t)
				r := wd.resolver(t, nil, "127.0.0.2")
				var wg sync.WaitGroup
				errs := make(chan error, tc.n)
				for i := range tc.n {
					wg.Go(func() {
						res, err := r.Resolve(context.Background(), tc.names(i), dns.TypeA)
						if err == nil && len(res.Msg.Answer) != tc.wantAnswersPerLookup {
							err = fmt.Errorf("%s: %v", tc.names(i), res.Msg)
						}
						errs <- err
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				// Questions, not datagrams: on a loaded host a leader may
				// send its question again after its RTO.
				root, lab, auth := distinct(wd.servers["127.0.0.2"].names()), distinct(wd.servers["127.0.0.3"].names()), distinct(wd.servers["127.0.0.4"].names())
				if root != tc.wantRoot || lab != tc.wantLab || auth > tc.wantAuthAtMost {
					t.Errorf("run %d: root %d, lab. %d, example.lab. %d questions; want %d, %d, at most %d", run, root, lab, auth, tc.wantRoot, tc.wantLab, tc.wantAuthAtMost)
				}
			}
		})
	}
}

// distinct counts the questions a server was asked, retransmissions once.
func distinct(names []string) int {
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	return len(seen)
}
