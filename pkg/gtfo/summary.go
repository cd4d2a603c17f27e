package gtfo

import (
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/stats"
)

// msSummary is a stats.Summary in float milliseconds, the unit of gtfo's
// output.
type msSummary struct{ min, median, p95, max float64 }

// summarize summarises samples given in milliseconds.
func summarize(ms []float64) msSummary {
	ds := make([]time.Duration, len(ms))
	for i, v := range ms {
		ds[i] = time.Duration(v * float64(time.Millisecond))
	}
	s := stats.Summarize(ds)
	return msSummary{cli.Millis(s.Min), cli.Millis(s.P50), cli.Millis(s.P95), cli.Millis(s.Max)}
}
