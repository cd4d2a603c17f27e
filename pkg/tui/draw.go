package tui

import (
	"os"
	"strings"

	"github.com/gdamore/tcell/v2"
)

// NoColor is NO_COLOR (https://no-color.org): set, the views draw in the
// terminal's own colours and tell series apart by their marks alone.
var NoColor = os.Getenv("NO_COLOR") != ""

// Styles every view shares.
var (
	Plain = tcell.StyleDefault
	Bold  = tcell.StyleDefault.Bold(true)
)

// palette tells series (hosts) apart; readable on dark and light
// backgrounds alike.
var palette = []tcell.Color{tcell.ColorGreen, tcell.ColorYellow, tcell.ColorAqua, tcell.ColorFuchsia, tcell.ColorRed, tcell.ColorBlue}

// Series is the style of the i-th series: its colour, or plain with
// NO_COLOR.
func Series(i int) tcell.Style {
	if NoColor {
		return Plain
	}
	return Plain.Foreground(palette[i%len(palette)])
}

// glyphs tell series apart where colours do not (NO_COLOR).
var glyphs = []rune("*+o#@%&=")

// Glyph is the i-th series' mark without colour.
func Glyph(i int) rune { return glyphs[i%len(glyphs)] }

// Alert is the style of losses and errors.
func Alert() tcell.Style {
	if NoColor {
		return Bold
	}
	return Plain.Foreground(tcell.ColorRed).Bold(true)
}

// Put writes str at x, y, one cell a rune, and returns the column after it.
func Put(s tcell.Screen, x, y int, str string, st tcell.Style) int {
	for _, r := range str {
		s.SetContent(x, y, r, nil, st)
		x++
	}
	return x
}

// Fit cuts str to n runes.
func Fit(str string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(str)
	if len(r) <= n {
		return str
	}
	return string(r[:n])
}

// Frame is the text on a simulated screen: a line a row, trailing blanks
// cut. Golden frames are these.
func Frame(s tcell.SimulationScreen) string {
	cells, w, h := s.GetContents()
	var b strings.Builder
	for y := 0; y < h; y++ {
		var line strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 || c.Runes[0] == 0 {
				line.WriteByte(' ')
				continue
			}
			line.WriteString(string(c.Runes))
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Sim is a simulated screen of w x h for tests and the demo.
func Sim(w, h int) tcell.SimulationScreen {
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		panic(err) // a simulation does not fail to start
	}
	s.SetSize(w, h)
	return s
}

// Snapshot renders v on a simulated w x h screen and returns its text.
func Snapshot(name string, v View, w, h int) string {
	s := Sim(w, h)
	defer s.Fini()
	Render(s, name, v)
	s.Show()
	return Frame(s)
}
