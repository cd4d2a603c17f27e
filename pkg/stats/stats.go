// Package stats keeps round-trip-time statistics the way the classic tools
// print them.
//
// min/avg/max/mdev follow iputils ping exactly: samples are whole
// microseconds (ping truncates its timeval difference to µs), the average is
// the truncated quotient, and mdev is llsqrt (Newton's integer square root,
// overshoot included) of the variance computed in double precision in ping's
// order and truncated to whole µs². Matching ping digit for digit matters
// because people diff and parse its summary line; a textbook computation
// differs in the last digit often enough to be noticed.
//
// Percentiles are our extension: RTT keeps every sample (8 bytes each) so
// p50/p90/p99 are exact, not estimated.
package stats

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// RTT accumulates round-trip times. The zero value is ready to use. It is not
// safe for concurrent use.
type RTT struct {
	n        int64
	min, max int64 // µs
	sum      int64 // µs
	sum2     int64 // µs²
	samples  []time.Duration
	sorted   bool
}

// micros truncates d to whole microseconds, as ping's
// tv_sec*1000000+tv_usec does; negative times (clock steps) count as 0, as in
// ping.
func micros(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64(d / time.Microsecond)
}

// Add records one round-trip time. Duplicate replies are added too: ping
// counts them in its timing statistics.
func (s *RTT) Add(d time.Duration) {
	us := micros(d)
	if s.n == 0 || us < s.min {
		s.min = us
	}
	if us > s.max {
		s.max = us
	}
	s.n++
	s.sum += us
	s.sum2 += us * us
	if d < 0 {
		d = 0
	}
	s.samples = append(s.samples, d)
	s.sorted = false
}

// Count is the number of samples added.
func (s *RTT) Count() int { return int(s.n) }

// Min is the smallest sample, truncated to µs; 0 without samples.
func (s *RTT) Min() time.Duration { return time.Duration(s.min) * time.Microsecond }

// Max is the largest sample, truncated to µs; 0 without samples.
func (s *RTT) Max() time.Duration { return time.Duration(s.max) * time.Microsecond }

// Avg is ping's average: the truncated integer mean of the µs samples.
func (s *RTT) Avg() time.Duration {
	if s.n == 0 {
		return 0
	}
	return time.Duration(s.sum/s.n) * time.Microsecond
}

// Mdev is ping's "mdev", the population standard deviation, computed as
// ping computes it: the variance in double precision, truncated to whole
// µs², then llsqrt. Integer division instead differs now and then: for 25
// lab replies summing to 1657 µs (squares 112825) the exact quotients give
// a variance of 120 and mdev 0.011, ping's doubles 119.96 -> 119 and the
// 0.010 it printed.
func (s *RTT) Mdev() time.Duration {
	if s.n == 0 {
		return 0
	}
	sum, sum2, n := float64(s.sum), float64(s.sum2), float64(s.n)
	var variance int64
	if s.sum < math.MaxInt32 {
		// ping's order of operations, which keeps precision for small times.
		variance = int64((sum2 - sum*sum/n) / n)
	} else {
		avg := s.sum / s.n
		variance = int64(sum2/n - float64(avg*avg))
	}
	return time.Duration(isqrt(variance)) * time.Microsecond
}

// isqrt is Newton's integer square root exactly as ping's llsqrt does it:
// it returns the iterate after the last decreasing step, which is the floor
// square root or one more (llsqrt(3) = 2), and the input itself for zero or
// negative input. Copying the quirk keeps our mdev equal to ping's.
func isqrt(a int64) int64 {
	x := a
	if x <= 0 {
		return x
	}
	prev := int64(math.MaxInt64)
	for x < prev {
		prev = x
		x = (x + a/x) / 2
	}
	return x
}

// PingLine is ping's summary line without the trailing newline:
// "rtt min/avg/max/mdev = 0.045/0.052/0.061/0.006 ms".
func (s *RTT) PingLine() string {
	return fmt.Sprintf("rtt min/avg/max/mdev = %s/%s/%s/%s ms",
		fixed3(s.Min()), fixed3(s.Avg()), fixed3(s.Max()), fixed3(s.Mdev()))
}

// fixed3 prints whole µs as ms with three decimals, ping's %ld.%03ld.
func fixed3(d time.Duration) string {
	us := micros(d)
	return fmt.Sprintf("%d.%03d", us/1000, us%1000)
}

// Percentile returns the p-th percentile (0..100) of the samples, by linear
// interpolation between closest ranks; 0 without samples.
func (s *RTT) Percentile(p float64) time.Duration {
	if !s.sorted {
		slices.Sort(s.samples)
		s.sorted = true
	}
	return Percentile(s.samples, p)
}

// Samples returns the recorded samples (in insertion order unless a
// percentile was asked for since the last Add). The caller must not modify it.
func (s *RTT) Samples() []time.Duration { return s.samples }

// Percentile returns the p-th percentile (0..100) of an ascending slice by
// linear interpolation between closest ranks; 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	p = math.Max(0, math.Min(100, p))
	rank := p / 100 * float64(len(sorted)-1)
	i := int(rank)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := rank - float64(i)
	return sorted[i] + time.Duration(math.Round(frac*float64(sorted[i+1]-sorted[i])))
}

// Summary is a snapshot of the statistics, for JSON and reports.
type Summary struct {
	Count               int
	Min, Avg, Max, Mdev time.Duration
	P50, P90, P95, P99  time.Duration
}

// Summary returns the current statistics.
func (s *RTT) Summary() Summary {
	if s.n == 0 {
		return Summary{}
	}
	return Summary{
		Count: int(s.n),
		Min:   s.Min(), Avg: s.Avg(), Max: s.Max(), Mdev: s.Mdev(),
		P50: s.Percentile(50), P90: s.Percentile(90), P95: s.Percentile(95), P99: s.Percentile(99),
	}
}

// Summarize computes a Summary of ds (which it does not modify).
func Summarize(ds []time.Duration) Summary {
	var s RTT
	for _, d := range ds {
		s.Add(d)
	}
	return s.Summary()
}

// FormatPingTime is the number ping prints after "time=": three decimals
// below 1 ms, two below 10 ms, one below 100 ms, none above, rounded as ping
// rounds them (from whole µs).
func FormatPingTime(d time.Duration) string {
	us := micros(d)
	switch {
	case us >= 100000-50:
		return strconv.FormatInt((us+500)/1000, 10)
	case us >= 10000-5:
		return fmt.Sprintf("%d.%01d", (us+50)/1000, ((us+50)%1000)/100)
	case us >= 1000:
		return fmt.Sprintf("%d.%02d", (us+5)/1000, ((us+5)%1000)/10)
	default:
		return fmt.Sprintf("%d.%03d", us/1000, us%1000)
	}
}

// LossPercent is ping's packet-loss figure: C's "%g" of a float, so 0, 50,
// 33.3333, 66.6667.
func LossPercent(transmitted, received int) string {
	if transmitted <= 0 {
		return "0"
	}
	loss := float32(float64(transmitted-received) * 100.0 / float64(transmitted))
	return strconv.FormatFloat(float64(loss), 'g', 6, 64)
}
