package garp

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"gnetutils/pkg/cli"
)

// TestScanProgress: with stderr a terminal --scan's sweep shows a progress
// line, cleared before each host and the summary; with stderr a file,
// nothing.
func TestScanProgress(t *testing.T) {
	prefix := netip.MustParsePrefix("198.19.0.0/30")
	sweep := func(s *session) {
		bar := s.progress(2)
		bar.Add(1)
		s.p.host(netip.MustParseAddr("198.19.0.1"), "02:00:00:00:00:01", 1, time.Now())
		bar.Add(1)
		s.p.scanSummary(prefix, 2, 1, 2, time.Second, "lab0")
		bar.Clear()
	}
	t.Run("not a terminal", func(t *testing.T) {
		var out, stderr bytes.Buffer
		s := &session{stderr: &stderr, p: &textPrinter{out: cli.NewLines(&out), stderr: &stderr}}
		sweep(s)
		if strings.Contains(stderr.String(), "\r") || strings.Contains(stderr.String(), "--scan:") {
			t.Errorf("stderr not a terminal, yet it got a progress line: %q", stderr.String())
		}
	})
	t.Run("terminal", func(t *testing.T) {
		ptm, tty, err := pty.Open()
		if err != nil {
			t.Skip(err)
		}
		defer ptm.Close()
		var out bytes.Buffer
		s := &session{stderr: tty, p: &textPrinter{out: cli.NewLines(&out), stderr: tty}}
		sweep(s)
		tty.Close()
		got := readAll(ptm)
		want := "\r\x1b[Kgarp --scan: 1/2 50%" // then cleared for the host, drawn again
		// The summary (on stderr too) comes on a cleared line, and last.
		if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\r\x1b[Kgarp: 2 hosts scanned in 1.000 seconds (2 requests on lab0), 1 responded\r\n") {
			t.Errorf("terminal got %q", got)
		}
		if !strings.Contains(out.String(), "198.19.0.1\t02:00:00:00:00:01") {
			t.Errorf("host not printed: %q", out.String())
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
