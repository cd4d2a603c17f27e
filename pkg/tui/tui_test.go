package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"gnetutils/pkg/cli/clitest"
)

// keys is a View that writes what it was given.
type keys struct {
	got  string
	w, h int // the last size drawn
}

func (k *keys) Draw(s tcell.Screen, w, h int) {
	k.w, k.h = w, h
	Put(s, 0, 0, "keys: "+k.got, Plain)
}
func (k *keys) Key(r rune) { k.got += string(r) }

func TestRenderTooSmall(t *testing.T) {
	for _, tc := range []struct {
		name      string
		w, h      int
		wantSmall bool
	}{
		{"79x24", 79, 24, true},
		{"80x23", 80, 23, true},
		{"80x24", 80, 24, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Snapshot("view", &keys{}, tc.w, tc.h)
			if small := strings.Contains(got, "view needs a terminal of at least 80x24"); small != tc.wantSmall {
				t.Errorf("too small said %v, want %v:\n%s", small, tc.wantSmall, got)
			}
		})
	}
}

// TestApp drives an App on a simulated screen: keys reach the view, q and
// Ctrl-C quit, a resize redraws, Close gives the screen back.
func TestApp(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  tcell.Key
		r    rune
	}{
		{"q", tcell.KeyRune, 'q'},
		{"ctrl-c", tcell.KeyCtrlC, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Sim(80, 24)
			v := &keys{}
			quit := make(chan struct{})
			a := Start(s, "view", v, func() { close(quit) })
			s.InjectKey(tcell.KeyRune, 'p', tcell.ModNone)
			waitFor(t, func() bool {
				var got string
				a.Update(func() { got = v.got })
				return got == "p"
			})
			s.SetSize(100, 30)
			waitFor(t, func() bool {
				var w, h int
				a.Update(func() { w, h = v.w, v.h })
				return w == 100 && h == 30
			})
			s.InjectKey(tc.key, tc.r, tcell.ModNone)
			select {
			case <-quit:
			case <-time.After(5 * time.Second):
				t.Fatal("no quit")
			}
			a.Close()
			a.Close() // twice is fine
		})
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out")
}

func TestSeriesNoColor(t *testing.T) {
	defer func(old bool) { NoColor = old }(NoColor)
	NoColor = false
	if fg, _, _ := Series(1).Decompose(); fg == tcell.ColorDefault {
		t.Error("a series has no colour")
	}
	NoColor = true
	if Series(1) != Plain || Series(2) != Plain {
		t.Error("NO_COLOR: a series is coloured")
	}
}

func TestDots(t *testing.T) {
	d := NewDots(3, 2)
	d.Line(0, 7, 1, 0, 0) // a climb from bottom left up the second column
	d.Set(5, 3, 1)
	d.Set(99, 99, 1) // off the canvas: ignored
	s := Sim(3, 2)
	d.Draw(s, 0, 0, Series)
	s.Show()
	clitest.Golden(t, "dots.golden", Frame(s))
}

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	p := newProgress(&out, "gdig", 500, clock)
	now = now.Add(5 * time.Second)
	p.Add(120)
	p.Add(1) // within a tenth of a second: not drawn
	now = now.Add(time.Second)
	p.Add(379) // the last: drawn, whatever the time
	p.Clear()
	want := "\r\x1b[Kgdig: 120/500 24%  24.0/s  ETA 0:16" + "\r\x1b[Kgdig: 500/500 100%  83.3/s" + "\r\x1b[K"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	var nilP *Progress
	nilP.Add(1) // not a terminal: nothing, no panic
	nilP.Clear()
	if NewProgress(&out, "x", 1) != nil {
		t.Error("a progress on a buffer")
	}
}

// counting is a View that counts its frames.
type counting struct{ frames int }

func (c *counting) Draw(tcell.Screen, int, int) { c.frames++ }
func (c *counting) Key(rune)                    {}

// TestRedrawRate: however many updates come, at most ten frames a second.
func TestRedrawRate(t *testing.T) {
	s := Sim(80, 24)
	v := &counting{}
	a := Start(s, "view", v, func() {})
	start := time.Now()
	updates := 0
	for time.Since(start) < time.Second {
		a.Update(func() {})
		updates++
		time.Sleep(100 * time.Microsecond)
	}
	var frames int
	a.Update(func() { frames = v.frames })
	a.Close()
	// The first frame, ten ticks, and one of slack for the clock.
	if frames > 12 || frames < 5 {
		t.Errorf("%d frames for %d updates in a second, want about 10", frames, updates)
	}
}
