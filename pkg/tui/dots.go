package tui

import "github.com/gdamore/tcell/v2"

// Dots is a canvas of braille dots, 2 x 4 to a cell (U+2800..U+28FF), so
// a chart of 60 columns shows 120 points, and a line climbs in quarter
// rows. Each cell takes the style of the series that set its last dot.
type Dots struct {
	W, H  int // in cells
	bits  []uint8
	owner []int
}

// NewDots is an empty w x h cell canvas.
func NewDots(w, h int) *Dots {
	d := &Dots{W: w, H: h, bits: make([]uint8, w*h), owner: make([]int, w*h)}
	return d
}

// brailleBit is the bit of dot (x%2, y%4) in a braille pattern.
var brailleBit = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// Set sets the dot x (0..2W-1, left to right), y (0..4H-1, top down) for
// series i; dots off the canvas are ignored.
func (d *Dots) Set(x, y, i int) {
	if x < 0 || y < 0 || x >= 2*d.W || y >= 4*d.H {
		return
	}
	c := y/4*d.W + x/2
	d.bits[c] |= brailleBit[y%4][x%2]
	d.owner[c] = i
}

// Line joins (x0, y0) to (x1, y1) for series i: a step from one point to
// the next, the climb drawn in the later column.
func (d *Dots) Line(x0, y0, x1, y1, i int) {
	lo, hi := min(y0, y1), max(y0, y1)
	for y := lo; y <= hi; y++ {
		d.Set(x1, y, i)
	}
	d.Set(x0, y0, i)
}

// Draw paints the canvas at (left, top), each cell in style(owner).
func (d *Dots) Draw(s tcell.Screen, left, top int, style func(i int) tcell.Style) {
	for cy := 0; cy < d.H; cy++ {
		for cx := 0; cx < d.W; cx++ {
			c := cy*d.W + cx
			if d.bits[c] != 0 {
				s.SetContent(left+cx, top+cy, rune(0x2800+int(d.bits[c])), nil, style(d.owner[c]))
			}
		}
	}
}

// blocks are a strip's eight heights.
var blocks = []rune("▁▂▃▄▅▆▇█")

// Block is the strip character for v on a scale of 0..top.
func Block(v, top float64) rune {
	if top <= 0 {
		return blocks[0]
	}
	i := int(v / top * float64(len(blocks)))
	return blocks[max(0, min(i, len(blocks)-1))]
}
