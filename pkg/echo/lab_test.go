package echo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// serverProc is a running gudpecho or gtcpecho --json in a namespace.
type serverProc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
}

// startServer runs bin in ns with args (and --json) and waits until it
// listens.
func startServer(t *testing.T, ns *netlab.NS, bin string, args ...string) *serverProc {
	t.Helper()
	sp := &serverProc{done: make(chan struct{})}
	sp.cmd = ns.Command(context.Background(), bin, append(args, "--json")...)
	pipe, err := sp.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sp.cmd.Stderr = &lockedWriter{mu: &sp.mu, w: &sp.stderr}
	if err := ns.Start(sp.cmd); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(sp.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			sp.mu.Lock()
			sp.stdout.Write(append(sc.Bytes(), '\n'))
			sp.mu.Unlock()
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(sp.text(&sp.stderr), "listening on"); {
		select {
		case <-sp.done:
			t.Fatalf("%s exited: %s", filepath.Base(bin), sp.text(&sp.stderr))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start listening: %s", filepath.Base(bin), sp.text(&sp.stderr))
		}
	}
	t.Cleanup(func() { _ = sp.cmd.Process.Kill() })
	return sp
}

func (sp *serverProc) text(b *bytes.Buffer) string {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return b.String()
}

// reports are the server's statistics events so far.
func (sp *serverProc) reports(t *testing.T) []statsEvent {
	t.Helper()
	var out []statsEvent
	for _, line := range strings.Split(strings.TrimSpace(sp.text(&sp.stdout)), "\n") {
		var ev statsEvent
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Type != "stats" {
			t.Fatalf("not a stats event: %q (%v)", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// snapshot asks for a report with SIGUSR1 and returns it.
func (sp *serverProc) snapshot(t *testing.T) statsEvent {
	t.Helper()
	n := len(sp.reports(t))
	_ = sp.cmd.Process.Signal(syscall.SIGUSR1)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if r := sp.reports(t); len(r) > n {
			return r[len(r)-1]
		}
	}
	t.Fatal("no statistics on SIGUSR1")
	return statsEvent{}
}

// stop ends the server with SIGTERM and returns its final report.
func (sp *serverProc) stop(t *testing.T) statsEvent {
	t.Helper()
	_ = sp.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-sp.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
	_ = sp.cmd.Wait()
	r := sp.reports(t)
	if len(r) == 0 || !r[len(r)-1].Final {
		t.Fatalf("no final statistics:\n%s%s", sp.text(&sp.stdout), sp.text(&sp.stderr))
	}
	return r[len(r)-1]
}

// totals sums a report's shards: echoed (datagrams or connections) and
// dropped (refused).
func totals(r statsEvent) (echoed, dropped int64) {
	for _, s := range r.Shards {
		echoed += s.Packets
		dropped += s.Dropped
	}
	return echoed, dropped
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// describe is a report in a line, for failure messages.
func describe(r statsEvent) string {
	e, d := totals(r)
	return fmt.Sprintf("echoed %d dropped %d kernel %v", e, d, r.Kernel)
}
