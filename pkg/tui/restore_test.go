package tui

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gdamore/tcell/v2"
)

// panicky is a View whose Draw panics once asked to.
type panicky struct{ now atomic.Bool }

func (p *panicky) Draw(s tcell.Screen, w, h int) {
	if p.now.Load() {
		panic("boom in Draw")
	}
	Put(s, 0, 0, "drawn", Plain)
}
func (p *panicky) Key(rune) {}

// TestRestoreOnPanic runs this test binary on a pty as a tool would run:
// a real terminal, the App up, then a panic, in the tool's goroutine
// (where its deferred Close runs) or in the drawing one (where the App's
// own recover does). Either way the alternate screen is left before the
// panic's message, which the person can then read.
func TestRestoreOnPanic(t *testing.T) {
	if where := os.Getenv("TUI_TEST_PANIC"); where != "" {
		panicAfterDrawing(where)
		return
	}
	for _, where := range []string{"tool", "draw"} {
		t.Run(where, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRestoreOnPanic$")
			cmd.Env = append(os.Environ(), "TUI_TEST_PANIC="+where, "TERM=xterm-256color")
			tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
			if err != nil {
				t.Skip(err)
			}
			defer tty.Close()
			var out bytes.Buffer
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, 4096)
				for {
					n, err := tty.Read(buf)
					out.Write(buf[:n])
					if err != nil {
						return
					}
				}
			}()
			err = cmd.Wait()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
			got := out.String()
			enter, leave := strings.Index(got, "\x1b[?1049h"), strings.LastIndex(got, "\x1b[?1049l")
			boom := strings.Index(got, "panic: boom")
			if err == nil || enter < 0 || leave < enter || boom < leave || !strings.Contains(got, "drawn") {
				t.Errorf("exit %v; alternate screen entered at %d, left at %d, panic at %d:\n%q", err, enter, leave, boom, got)
			}
		})
	}
}

func panicAfterDrawing(where string) {
	v := &panicky{}
	a, err := Open("view", v, func() {})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	time.Sleep(300 * time.Millisecond)
	if where == "tool" {
		panic("boom in the tool")
	}
	a.Update(func() { v.now.Store(true) })
	time.Sleep(5 * time.Second) // the drawing goroutine panics first
}
