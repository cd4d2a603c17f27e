package netlab

import "testing"

// TestVT plays what a full-screen tool writes, cut at every byte, and
// reads the screens back.
func TestVT(t *testing.T) {
	out := "before\r\n\x1b[?1049h\x1b[22;0;0t\x1b[H\x1b[2J\x1b]0;title\x07\x1b[1;1H\x1b[1mgping\x1b[0m ┤\x1b[2;3Hx\x1b[38;5;2m⣸\x1b[39m" +
		"\x1b[H\x1b[2J\x1b[?1049l\x1b[23;0;0tsummary\r\n"
	for _, step := range []int{len(out), 1, 2, 3} {
		v := NewVT(10, 3)
		for i := 0; i < len(out); i += step {
			_, _ = v.Write([]byte(out[i:min(i+step, len(out))]))
		}
		if want := "gping ┤\n  x⣸\n\n"; v.LastAlt != want || !v.Restored {
			t.Errorf("writes of %d: last alternate screen %q (restored %v), want %q", step, v.LastAlt, v.Restored, want)
		}
		if want := "before\nsummary\n\n"; v.Screen() != want {
			t.Errorf("writes of %d: screen %q, want %q", step, v.Screen(), want)
		}
	}
}
