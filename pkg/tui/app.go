package tui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/sys/unix"
)

// The smallest screen a view is drawn on; below it the view says what it
// needs.
const (
	MinWidth  = 80
	MinHeight = 24
)

// RedrawEvery is the shortest time between two redraws: ten a second, so a
// flood of events costs a redraw per tenth of a second, not one per event.
const RedrawEvery = 100 * time.Millisecond

// View is what an App shows: Draw paints the model on a screen of w x h (at
// least MinWidth x MinHeight); Key takes a key other than the quit keys (q,
// Ctrl-C), which the App handles. Both are called with the App's lock held,
// as Update's functions are.
type View interface {
	Draw(s tcell.Screen, w, h int)
	Key(r rune)
}

// ErrNotTerminal is the refusal of a full-screen view when stdout is not a
// terminal.
var ErrNotTerminal = errors.New("needs a terminal on stdout")

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// App runs a View on a screen: the key loop, the redraws, the restore.
type App struct {
	mu     sync.Mutex
	s      tcell.Screen
	name   string // "gping --graph": who says it needs a bigger screen
	v      View
	quit   func() // called on q or Ctrl-C
	dirty  bool
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// Open takes over the terminal (the alternate screen, raw mode) and shows v
// until Close; q and Ctrl-C call quit. The caller defers Close, which is
// what restores the terminal on every way out, a panic included.
func Open(name string, v View, quit func()) (*App, error) {
	s, err := tcell.NewScreen()
	if err != nil {
		return nil, err
	}
	if err := s.Init(); err != nil {
		return nil, err
	}
	return Start(s, name, v, quit), nil
}

// Start shows v on s, which is initialised already (tests pass a
// SimulationScreen).
func Start(s tcell.Screen, name string, v View, quit func()) *App {
	s.HideCursor()
	a := &App{s: s, name: name, v: v, quit: quit, dirty: true, stop: make(chan struct{}), done: make(chan struct{})}
	go a.loop()
	return a
}

// Update runs f, which changes the model, under the App's lock and has the
// screen redrawn at the next tick.
func (a *App) Update(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
	a.dirty = true
}

// Close draws the last frame, stops the loop and gives the terminal back:
// the normal screen, cooked mode, the cursor. It may be called more than
// once.
func (a *App) Close() {
	a.closed.Do(func() {
		close(a.stop)
		<-a.done
		a.s.Fini()
	})
}

func (a *App) loop() {
	defer close(a.done)
	defer func() {
		// A panic while drawing must not leave the terminal raw and in
		// the alternate screen.
		if r := recover(); r != nil {
			a.s.Fini()
			panic(r)
		}
	}()
	events := make(chan tcell.Event, 16)
	evStop := make(chan struct{})
	defer close(evStop)
	go a.s.ChannelEvents(events, evStop)
	tick := time.NewTicker(RedrawEvery)
	defer tick.Stop()
	a.draw()
	for {
		select {
		case <-a.stop:
			a.draw()
			return
		case ev := <-events:
			a.event(ev)
		case <-tick.C:
			a.mu.Lock()
			dirty := a.dirty
			a.mu.Unlock()
			if dirty {
				a.draw()
			}
		}
	}
}

// event takes a key or a resize.
func (a *App) event(ev tcell.Event) {
	switch ev := ev.(type) {
	case *tcell.EventResize:
		a.s.Sync()
		a.draw()
	case *tcell.EventKey:
		if ev.Key() == tcell.KeyCtrlC || (ev.Key() == tcell.KeyRune && (ev.Rune() == 'q' || ev.Rune() == 'Q')) {
			a.quit()
			return
		}
		if ev.Key() == tcell.KeyRune {
			a.Update(func() { a.v.Key(ev.Rune()) })
		}
	}
}

func (a *App) draw() {
	a.mu.Lock()
	Render(a.s, a.name, a.v)
	a.dirty = false
	a.mu.Unlock()
	a.s.Show()
}

// Render paints v on s (without showing it), or says what size it needs
// when s is too small.
func Render(s tcell.Screen, name string, v View) {
	s.Clear()
	w, h := s.Size()
	if w < MinWidth || h < MinHeight {
		Put(s, 0, 0, fmt.Sprintf("%s needs a terminal of at least %dx%d;", name, MinWidth, MinHeight), Plain)
		Put(s, 0, 1, fmt.Sprintf("this one is %dx%d. q quits.", w, h), Plain)
		return
	}
	v.Draw(s, w, h)
}
