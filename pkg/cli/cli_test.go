package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

var testCmd = Command{Name: "gtool", Synopsis: "[options] host", Summary: "A tool for tests."}

func TestParse(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		done     bool
		code     int
		stdout   string // substring
		stderr   string // exact
		wantJSON bool
	}{
		{name: "help", args: []string{"--help"}, done: true, code: 0, stdout: "usage: gtool [options] host\n\nA tool for tests."},
		{name: "short help", args: []string{"-h"}, done: true, code: 0, stdout: "--json"},
		{name: "version", args: []string{"--version"}, done: true, code: 0, stdout: "gtool (gnetutils) dev "},
		{name: "bad flag", args: []string{"--bogus"}, done: true, code: 2, stderr: "gtool: unknown flag: --bogus\nTry 'gtool --help' for more information.\n"},
		{name: "json after operand", args: []string{"host", "--json"}, wantJSON: true},
		{name: "plain", args: []string{"host"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c Common
			fs := testCmd.NewFlagSet(&c)
			var out, errb bytes.Buffer
			done, code := testCmd.Parse(fs, &c, tc.args, &out, &errb, ExitUsage)
			if done != tc.done || code != tc.code {
				t.Fatalf("done,code = %v,%d; want %v,%d (stderr %q)", done, code, tc.done, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.stdout)
			}
			if errb.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
			if c.JSON != tc.wantJSON {
				t.Errorf("JSON = %v", c.JSON)
			}
		})
	}
}

// TestUsageFlagColumn: a bool flag is listed bare, as POSIX tools list
// theirs, and the descriptions still start in one column.
func TestUsageFlagColumn(t *testing.T) {
	var c Common
	fs := testCmd.NewFlagSet(&c)
	fs.IntP("count", "c", 0, "stop after COUNT replies")
	fs.BoolP("quiet", "q", false, "print only the summary")
	var out bytes.Buffer
	testCmd.Usage(&out, fs)
	want := `usage: gtool [options] host

A tool for tests.

options:
  -h, --help        print this help and exit
  -V, --version     print the version and exit
      --json        print one JSON object per line (NDJSON)
  -c, --count int   stop after COUNT replies
  -q, --quiet       print only the summary
`
	if out.String() != want {
		t.Errorf("usage:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestErrorfIsOneLine(t *testing.T) {
	var b bytes.Buffer
	Errorf(&b, "gping", "cannot resolve %s:\nunknown host\n", "nowhere.invalid")
	if got, want := b.String(), "gping: cannot resolve nowhere.invalid: unknown host\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// countingWriter records every Write call, to prove lines are written whole.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestNDJSONOneObjectPerWrite(t *testing.T) {
	w := &countingWriter{}
	n := NewNDJSON(w)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_ = n.Emit(map[string]any{"type": "reply", "seq": i, "rtt_ms": 0.5})
		}(i)
	}
	wg.Wait()
	if len(w.writes) != 50 {
		t.Fatalf("%d writes, want 50", len(w.writes))
	}
	for _, line := range w.writes {
		if !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("not one line per write: %q", line)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["type"] != "reply" {
			t.Fatalf("bad object %q: %v", line, err)
		}
	}
}

func TestLinesAddsNewlineAndWritesWhole(t *testing.T) {
	w := &countingWriter{}
	l := NewLines(w)
	l.Printf("64 bytes from %s: icmp_seq=%d", "198.18.4.1", 1)
	l.Printf("already terminated\n")
	if len(w.writes) != 2 || w.writes[0] != "64 bytes from 198.18.4.1: icmp_seq=1\n" || w.writes[1] != "already terminated\n" {
		t.Errorf("writes %q", w.writes)
	}
}
