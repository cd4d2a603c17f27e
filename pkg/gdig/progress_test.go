package gdig

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestBatchProgress: with stderr a terminal a batch's results come with a
// progress line, cleared before each result; with stderr a file, nothing.
func TestBatchProgress(t *testing.T) {
	t.Run("not a terminal", func(t *testing.T) {
		var out, stderr bytes.Buffer
		b := newBatchOutput(&out, &stderr, 2)
		b.write([]byte("a\n"), nil)
		b.end()
		if out.String() != "a\n" || stderr.Len() != 0 {
			t.Errorf("stdout %q, stderr %q", out.String(), stderr.String())
		}
	})
	t.Run("terminal", func(t *testing.T) {
		ptm, tty, err := pty.Open()
		if err != nil {
			t.Skip(err)
		}
		defer ptm.Close()
		var out bytes.Buffer
		b := newBatchOutput(&out, tty, 2)
		b.write([]byte(";; a.lab\n"), nil)
		b.write([]byte(";; b.lab\n"), []byte("gdig: b.lab\n"))
		b.end()
		tty.Close()
		got := readAll(ptm)
		for _, want := range []string{"\r\x1b[Kgdig: 1/2 50%", "\r\x1b[Kgdig: 2/2 100%", "gdig: b.lab"} {
			if !strings.Contains(got, want) {
				t.Errorf("terminal got %q, lacks %q", got, want)
			}
		}
		if !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("the line is not cleared at the end: %q", got)
		}
		if out.String() != ";; a.lab\n;; b.lab\n" {
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
