package gping

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAdapt: -A sets the interval to the smoothed RTT rounded to the
// millisecond, as ping's update_interval; below half a millisecond root
// sends on each reply (every 10 ms without one), a user every 2 ms.
func TestAdapt(t *testing.T) {
	root := os.Getuid() == 0
	tests := []struct {
		name  string
		ewma  time.Duration
		want  time.Duration
		eager bool
	}{
		{"under half a ms", 30 * time.Microsecond, 10 * time.Millisecond, true},
		{"rounded down", 12400 * time.Microsecond, 12 * time.Millisecond, false},
		{"rounded up", 12600 * time.Microsecond, 13 * time.Millisecond, false},
		{"1.4 ms", 1400 * time.Microsecond, time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !root && tc.want < minUserInterval || (!root && tc.eager) {
				tc.want, tc.eager = minUserInterval, false
			}
			r := &runner{cfg: runConfig{interval: time.Second, adaptive: true}}
			tg := &target{}
			tg.c.ewma = tc.ewma
			r.adapt(tg)
			if r.cfg.interval != tc.want || r.eager != tc.eager {
				t.Errorf("ewma %v: interval %v eager %v, want %v %v", tc.ewma, r.cfg.interval, r.eager, tc.want, tc.eager)
			}
		})
	}
}

// TestAdaptiveBesidePing runs ping -A and gping -A on loopback: the same
// lines (times and ipg/ewma aside), and five probes well within the
// second that one interval would take without -A.
func TestAdaptiveBesidePing(t *testing.T) {
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("no ping here")
	}
	args := []string{"-A", "-c", "5", "127.0.0.1"}
	want, err := exec.Command("ping", args...).Output()
	if err != nil {
		t.Skipf("ping %v: %v", args, err)
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := Run(context.Background(), args, nil, &stdout, &stderr)
	took := time.Since(start)
	if strings.Contains(stderr.String(), "Operation not permitted") {
		t.Skip(stderr.String())
	}
	if g, w := normalizeFlood(stdout.String()), normalizeFlood(string(want)); g != w || code != 0 || took > 900*time.Millisecond {
		t.Errorf("gping %v: exit %d in %v\n%s%s\nping:\n%s", args, code, took, g, stderr.String(), w)
	}
}
