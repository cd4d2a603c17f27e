package gdig

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"

	"gnetutils/pkg/cli"
)

// TestBatchProgress: with stderr a terminal a batch's results come with a
// progress line, cleared before each result; with stderr a file, nothing.
func TestBatchProgress(t *testing.T) {
	var out bytes.Buffer
	text := &textPrinter{out: cli.NewLines(&out)}
	t.Run("not a terminal", func(t *testing.T) {
		var stderr bytes.Buffer
		p, end := withProgress(text, &stderr, 2)
		p.batchFailed(query{name: "a.lab", qtype: 1}, errors.New("no answer"))
		end()
		if p != printer(text) || stderr.Len() != 0 {
			t.Errorf("stderr not a terminal, yet the printer was wrapped or wrote %q", stderr.String())
		}
	})
	t.Run("terminal", func(t *testing.T) {
		ptm, tty, err := pty.Open()
		if err != nil {
			t.Skip(err)
		}
		defer ptm.Close()
		p, end := withProgress(text, tty, 2)
		p.batchFailed(query{name: "a.lab", qtype: 1}, errors.New("no answer"))
		p.batchFailed(query{name: "b.lab", qtype: 1}, errors.New("no answer"))
		end()
		tty.Close()
		got := readAll(ptm)
		for _, want := range []string{"\r\x1b[Kgdig: 1/2 50%", "\r\x1b[Kgdig: 2/2 100%"} {
			if !strings.Contains(got, want) {
				t.Errorf("terminal got %q, lacks %q", got, want)
			}
		}
		if !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("the line is not cleared at the end: %q", got)
		}
		if !strings.Contains(out.String(), ";; b.lab. A: no answer") {
			t.Errorf("results not printed: %q", out.String())
		}
	})
}

// readAll reads what the pty's terminal side wrote, up to its close.
func readAll(f *os.File) string {
	var b bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
