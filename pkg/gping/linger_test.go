package gping

import (
	"testing"
	"time"
)

// TestLingerAfterLast: ping's wait after its last probe (__schedule_exit).
func TestLingerAfterLast(t *testing.T) {
	ms := time.Millisecond
	tgt := func(received int, untimed bool, rtts ...time.Duration) *target {
		tg := &target{}
		tg.c.received, tg.c.untimed = received, untimed
		for _, d := range rtts {
			tg.c.rtt.Add(d)
		}
		return tg
	}
	for _, tc := range []struct {
		name    string
		cfg     runConfig
		targets []*target
		want    time.Duration
	}{
		{"nothing back: -W", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(0, false)}, 3 * time.Second},
		{"the interval", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(2, false, ms, 2*ms)}, 200 * ms},
		{"twice the longest", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(2, false, ms, 150*ms)}, 300 * ms},
		{"untimed: the interval", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(2, true, 150*ms)}, 200 * ms},
		{"flood: twice the longest", runConfig{timeout: 3 * time.Second, interval: 10 * ms, zeroInterval: true}, []*target{tgt(5, false, ms, 2*ms)}, 4 * ms},
		{"flood with -i: the interval", runConfig{timeout: 3 * time.Second, interval: 10 * ms, flood: true}, []*target{tgt(5, false, ms, 2*ms)}, 10 * ms},
		{"two hosts: the longer", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(1, false, ms), tgt(1, false, 400*ms)}, 800 * ms},
		{"two hosts, one silent: -W", runConfig{timeout: 3 * time.Second, interval: 200 * ms}, []*target{tgt(1, false, ms), tgt(0, false)}, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &runner{cfg: tc.cfg, eager: tc.cfg.zeroInterval}
			if got := r.lingerAfterLast(tc.targets...); got != tc.want {
				t.Errorf("lingerAfterLast: %v, want %v", got, tc.want)
			}
		})
	}
}
