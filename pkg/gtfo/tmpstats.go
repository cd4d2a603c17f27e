package gtfo

import "sort"

// TEMPORARY: replaced by pkg/stats once it is committed.

type summary struct{ min, median, p95, max float64 }

func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pct := func(p float64) float64 {
		r := p / 100 * float64(len(s)-1)
		i := int(r)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (r-float64(i))*(s[i+1]-s[i])
	}
	return summary{s[0], pct(50), pct(95), s[len(s)-1]}
}
