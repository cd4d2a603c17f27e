package netlab

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// VT is just enough of a terminal to read back what a full-screen tool
// drew (gping --graph, gtraceroute --live): cursor addressing, erasing,
// the alternate screen; colours and modes are read past. Tests check the
// screen for addresses and the demo prints the last frame.
type VT struct {
	Cols, Rows int
	main, alt  [][]rune
	onAlt      bool
	x, y       int
	// LastAlt is the alternate screen as it was when the tool left it
	// (what the person saw last); Restored says the tool did leave it.
	LastAlt  string
	Restored bool
	partial  []byte // a sequence or rune cut by the end of a read
	saved    [2]int // the main screen's cursor, while on the alternate
}

// NewVT is a blank terminal of cols x rows.
func NewVT(cols, rows int) *VT {
	return &VT{Cols: cols, Rows: rows, main: blank(cols, rows), alt: blank(cols, rows)}
}

// Resize makes the terminal cols x rows, blank, as a tool redraws it all.
func (v *VT) Resize(cols, rows int) {
	v.keepAlt()
	v.Cols, v.Rows = cols, rows
	v.main, v.alt = blank(cols, rows), blank(cols, rows)
	v.x, v.y = min(v.x, cols-1), min(v.y, rows-1)
}

func blank(cols, rows int) [][]rune {
	s := make([][]rune, rows)
	for i := range s {
		s[i] = []rune(strings.Repeat(" ", cols))
	}
	return s
}

func (v *VT) screen() [][]rune {
	if v.onAlt {
		return v.alt
	}
	return v.main
}

// Screen is the screen shown now, a line a row, trailing blanks cut.
func (v *VT) Screen() string { return text(v.screen()) }

func text(s [][]rune) string {
	var b strings.Builder
	for _, row := range s {
		b.WriteString(strings.TrimRight(string(row), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Write takes what the tool wrote; a sequence cut by the end of b waits
// for the next Write.
func (v *VT) Write(in []byte) (int, error) {
	b := append(v.partial, in...)
	v.partial = nil
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c == 0x1b:
			n := v.escape(b[i:])
			if n == 0 {
				v.partial = append([]byte(nil), b[i:]...)
				return len(in), nil
			}
			i += n
		case c == '\r':
			v.x, i = 0, i+1
		case c == '\n':
			v.lineFeed()
			i++
		case c == '\b':
			v.x, i = max(v.x-1, 0), i+1
		case c < 0x20:
			i++
		default:
			if !utf8.FullRune(b[i:]) {
				v.partial = append([]byte(nil), b[i:]...)
				return len(in), nil
			}
			r, n := utf8.DecodeRune(b[i:])
			v.put(r)
			i += n
		}
	}
	return len(in), nil
}

func (v *VT) put(r rune) {
	if v.x >= v.Cols {
		v.x = 0
		v.lineFeed()
	}
	v.screen()[v.y][v.x] = r
	v.x++
}

func (v *VT) lineFeed() {
	if v.y < v.Rows-1 {
		v.y++
		return
	}
	s := v.screen()
	copy(s, s[1:])
	s[len(s)-1] = []rune(strings.Repeat(" ", v.Cols))
}

// escape interprets the sequence at b[0] (ESC) and returns its length, 0
// when b ends before it does.
func (v *VT) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
		return v.csi(b)
	case ']': // OSC: up to BEL or ST
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return 0
	case '(', ')', '#', '%':
		if len(b) < 3 {
			return 0
		}
		return 3
	}
	return 2
}

func (v *VT) csi(b []byte) int {
	i := 2
	for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
		i++
	}
	if i >= len(b) {
		return 0
	}
	params, final := string(b[2:i]), b[i]
	private := strings.HasPrefix(params, "?")
	var n []int
	for _, p := range strings.Split(strings.TrimLeft(params, "?>=<"), ";") {
		x, _ := strconv.Atoi(p)
		n = append(n, x)
	}
	arg := func(k, def int) int {
		if k < len(n) && n[k] > 0 {
			return n[k]
		}
		return def
	}
	switch final {
	case 'H', 'f':
		v.y, v.x = min(arg(0, 1)-1, v.Rows-1), min(arg(1, 1)-1, v.Cols-1)
	case 'A':
		v.y = max(v.y-arg(0, 1), 0)
	case 'B':
		v.y = min(v.y+arg(0, 1), v.Rows-1)
	case 'C':
		v.x = min(v.x+arg(0, 1), v.Cols-1)
	case 'D':
		v.x = max(v.x-arg(0, 1), 0)
	case 'G':
		v.x = min(arg(0, 1)-1, v.Cols-1)
	case 'd':
		v.y = min(arg(0, 1)-1, v.Rows-1)
	case 'J':
		v.erase(arg(0, 0) == 0, true)
	case 'K':
		v.erase(len(n) == 0 || n[0] == 0, false)
	case 'h', 'l':
		if private && (params == "?1049" || params == "?47" || params == "?1047") {
			v.altScreen(final == 'h')
		}
	}
	return i + 1
}

// erase clears from the cursor (fromCursor) or the whole line or screen.
func (v *VT) erase(fromCursor, screen bool) {
	s := v.screen()
	if screen && !fromCursor {
		v.keepAlt()
		for y := range s {
			s[y] = []rune(strings.Repeat(" ", v.Cols))
		}
		return
	}
	for x := v.x; x < v.Cols; x++ {
		s[v.y][x] = ' '
	}
	if screen {
		for y := v.y + 1; y < v.Rows; y++ {
			s[y] = []rune(strings.Repeat(" ", v.Cols))
		}
	}
}

func (v *VT) altScreen(on bool) {
	if on == v.onAlt {
		return
	}
	// As xterm's mode 1049: the cursor is saved on the way in and
	// restored on the way out.
	if on {
		v.alt = blank(v.Cols, v.Rows)
		v.saved = [2]int{v.x, v.y}
	} else {
		v.keepAlt()
		v.Restored = true
		v.x, v.y = v.saved[0], v.saved[1]
	}
	v.onAlt = on
}

// keepAlt keeps the alternate screen as LastAlt before it is cleared: a
// tool clears it as it leaves.
func (v *VT) keepAlt() {
	if !v.onAlt {
		return
	}
	if t := text(v.alt); strings.TrimSpace(t) != "" {
		v.LastAlt = t
	}
}
