package labflood

import (
	"testing"
	"time"
)

// TestPace: a flood stops by itself at its count or its duration,
// whichever comes first, and never sends faster than its rate.
func TestPace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		l        Limits
		sentMax  int
		elapsMax time.Duration
	}{
		{"count", Limits{Rate: 1e9, Count: 1000, Duration: time.Minute}, 1000, time.Second},
		{"duration", Limits{Rate: 1e9, Count: 1 << 60, Duration: 100 * time.Millisecond}, 1 << 60, time.Second},
		{"rate", Limits{Rate: 10000, Count: 1 << 60, Duration: 200 * time.Millisecond}, 2000 + 64, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.l.pace(func() bool { return true })
			if st.Sent > tc.sentMax || st.Elapsed > tc.elapsMax || st.Sent == 0 {
				t.Errorf("%v, want at most %d in at most %v", st, tc.sentMax, tc.elapsMax)
			}
		})
	}
}
