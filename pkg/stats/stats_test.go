package stats

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func us(v ...int64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Microsecond
	}
	return out
}

// floatMdev is the textbook population standard deviation, the figure ping's
// integer arithmetic approximates.
func floatMdev(ds []time.Duration) float64 {
	var sum, sum2 float64
	for _, d := range ds {
		x := float64(d / time.Microsecond)
		sum += x
		sum2 += x * x
	}
	n := float64(len(ds))
	return math.Sqrt(sum2/n - (sum/n)*(sum/n))
}

func TestRTTPingLine(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    string
	}{
		{"single", us(45), "rtt min/avg/max/mdev = 0.045/0.045/0.045/0.000 ms"},
		{"three", us(45, 52, 61), "rtt min/avg/max/mdev = 0.045/0.052/0.061/0.006 ms"},
		// avg truncates (158/3 = 52.67 -> 52), as ping's integer division does.
		{"avg truncates", us(50, 50, 58), "rtt min/avg/max/mdev = 0.050/0.052/0.058/0.003 ms"},
		{"sub-µs truncated", []time.Duration{1999 * time.Nanosecond, 1001 * time.Nanosecond}, "rtt min/avg/max/mdev = 0.001/0.001/0.001/0.000 ms"},
		{"seconds", us(1000000, 3000000), "rtt min/avg/max/mdev = 1000.000/2000.000/3000.000/1000.000 ms"},
		{"negative counts as zero", []time.Duration{-time.Millisecond, 2 * time.Millisecond}, "rtt min/avg/max/mdev = 0.000/1.000/2.000/1.000 ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s RTT
			for _, d := range tc.samples {
				s.Add(d)
			}
			if got := s.PingLine(); got != tc.want {
				t.Errorf("PingLine = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMdevLargeSums exercises ping's second branch (sum >= INT_MAX µs), where
// it computes the variance as E[x²]-avg², and checks it stays close to the
// float figure.
func TestMdevLargeSums(t *testing.T) {
	var s RTT
	var ds []time.Duration
	for i := 0; i < 1000; i++ {
		d := time.Duration(3_000_000+(i%7)*1000) * time.Microsecond
		ds = append(ds, d)
		s.Add(d)
	}
	if s.sum < math.MaxInt32 {
		t.Fatalf("sum %d too small to exercise the large-sum branch", s.sum)
	}
	got := float64(s.Mdev() / time.Microsecond)
	if want := floatMdev(ds); math.Abs(got-want) > 2 {
		t.Errorf("Mdev = %v µs, float stddev %v µs", got, want)
	}
}

func TestIsqrt(t *testing.T) {
	for _, a := range []int64{-5, 0, 1, 2, 3, 4, 15, 16, 17, 99, 100, 1 << 40, math.MaxInt64 / 3} {
		t.Run(fmt.Sprint(a), func(t *testing.T) {
			got := isqrt(a)
			if a <= 0 {
				if got != a {
					t.Errorf("isqrt(%d) = %d, want %d", a, got, a)
				}
				return
			}
			floor := int64(math.Sqrt(float64(a)))
			for floor*floor > a {
				floor--
			}
			for (floor+1)*(floor+1) <= a {
				floor++
			}
			if got != floor && got != floor+1 {
				t.Errorf("isqrt(%d) = %d, floor square root is %d", a, got, floor)
			}
		})
	}
}

// TestIsqrtQuirk pins ping's llsqrt overshoot, which shows in its mdev.
func TestIsqrtQuirk(t *testing.T) {
	for a, want := range map[int64]int64{3: 2, 15: 4, 99: 10, 16: 4, 2: 1, 8: 3} {
		t.Run(fmt.Sprint(a), func(t *testing.T) {
			if got := isqrt(a); got != want {
				t.Errorf("isqrt(%d) = %d, want ping's %d", a, got, want)
			}
		})
	}
}

// TestMdevAsPing: replies ping printed in two lab runs and the summary
// lines it printed for them. The first one's variance is 63 µs², one below
// 8²: ping says 0.008, llsqrt's overshoot, where the floor would say 0.007.
// The second's is 119.96 µs² in ping's doubles (120 in exact integer
// division, which would give 0.011): ping says 0.010.
func TestMdevAsPing(t *testing.T) {
	for _, tc := range []struct {
		name string
		us   []int
		want string
	}{
		{"variance 63", []int{14, 32, 40, 42, 39, 37, 39, 38, 45, 45, 42, 48, 42, 48, 38, 53, 29, 39, 38, 26, 44, 38, 43, 44, 50}, "rtt min/avg/max/mdev = 0.014/0.039/0.053/0.008 ms"},
		{"variance 119.96", []int{35, 53, 48, 49, 77, 63, 74, 64, 75, 60, 68, 65, 79, 63, 72, 72, 58, 74, 77, 64, 72, 79, 76, 63, 77}, "rtt min/avg/max/mdev = 0.035/0.066/0.079/0.010 ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s RTT
			for _, us := range tc.us {
				s.Add(time.Duration(us) * time.Microsecond)
			}
			if got := s.PingLine(); got != tc.want {
				t.Errorf("got %q, ping printed %q", got, tc.want)
			}
		})
	}
}

func TestFormatPingTime(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000"},
		{45 * time.Microsecond, "0.045"},
		{45*time.Microsecond + 999*time.Nanosecond, "0.045"},
		{999 * time.Microsecond, "0.999"},
		{1000 * time.Microsecond, "1.00"},
		{1234 * time.Microsecond, "1.23"},
		{1235 * time.Microsecond, "1.24"},
		{9994 * time.Microsecond, "9.99"},
		{9995 * time.Microsecond, "10.0"},
		{10049 * time.Microsecond, "10.0"},
		{10050 * time.Microsecond, "10.1"},
		{99949 * time.Microsecond, "99.9"},
		{99950 * time.Microsecond, "100"},
		{1234567 * time.Microsecond, "1235"},
	}
	for _, tc := range tests {
		t.Run(tc.d.String(), func(t *testing.T) {
			if got := FormatPingTime(tc.d); got != tc.want {
				t.Errorf("FormatPingTime(%v) = %q, want %q", tc.d, got, tc.want)
			}
		})
	}
}

func TestLossPercent(t *testing.T) {
	tests := []struct {
		tx, rx int
		want   string
	}{
		{0, 0, "0"}, {10, 10, "0"}, {10, 5, "50"}, {3, 2, "33.3333"}, {3, 1, "66.6667"},
		{3, 0, "100"}, {7, 6, "14.2857"}, {100000, 99999, "0.001"}, {1000000, 999999, "0.0001"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d of %d", tc.rx, tc.tx), func(t *testing.T) {
			if got := LossPercent(tc.tx, tc.rx); got != tc.want {
				t.Errorf("LossPercent(%d, %d) = %q, want %q", tc.tx, tc.rx, got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ds := us(10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{0, 10 * time.Microsecond}, {50, 55 * time.Microsecond}, {90, 91 * time.Microsecond},
		{99, 99*time.Microsecond + 100*time.Nanosecond}, {100, 100 * time.Microsecond}, {150, 100 * time.Microsecond}, {-3, 10 * time.Microsecond},
	}
	var s RTT
	for i := len(ds) - 1; i >= 0; i-- { // out of order on purpose
		s.Add(ds[i])
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("p%v", tc.p), func(t *testing.T) {
			if got := s.Percentile(tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile of nothing is not 0")
	}
	sum := Summarize(ds)
	if sum.Count != 10 || sum.Min != 10*time.Microsecond || sum.Max != 100*time.Microsecond || sum.P50 != 55*time.Microsecond {
		t.Errorf("Summarize = %+v", sum)
	}
	var empty RTT
	if (empty.Summary() != Summary{}) || empty.PingLine() != "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms" {
		t.Errorf("empty RTT: %+v %q", empty.Summary(), empty.PingLine())
	}
}
