package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Lines writes text output one whole line per Write, so that output piped into
// grep appears live and lines from concurrent goroutines never interleave.
// os.Stdout is unbuffered in Go, so the flush per line is the single write.
type Lines struct {
	mu sync.Mutex
	w  io.Writer
}

// NewLines wraps w.
func NewLines(w io.Writer) *Lines { return &Lines{w: w} }

// Printf formats and writes one line; a missing trailing newline is added.
func (l *Lines) Printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if len(s) == 0 || s[len(s)-1] != '\n' {
		s += "\n"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s)
}

// Write writes p as it is, under the same lock.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// NDJSON writes one JSON object per line (one event per line), safe for
// concurrent use. Every event carries a "type"; cli.EventFields names the
// fields every tool shares (docs/ARCHITECTURE.md, "The event vocabulary").
type NDJSON struct {
	mu sync.Mutex
	w  io.Writer
}

// NewNDJSON wraps w.
func NewNDJSON(w io.Writer) *NDJSON { return &NDJSON{w: w} }

// Emit marshals v and writes it followed by a newline in a single write.
func (n *NDJSON) Emit(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	n.mu.Lock()
	defer n.mu.Unlock()
	_, err = n.w.Write(b)
	return err
}

// Millis converts a duration to milliseconds as a float, the unit of every
// *_ms field in the suite's JSON.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Timestamp formats t as RFC 3339 with nanoseconds, the suite's "time" field.
func Timestamp(t time.Time) string { return t.Format(time.RFC3339Nano) }
