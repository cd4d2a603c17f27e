package netlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// Pty is a tool running inside a namespace on a pseudo-terminal of its
// own, as a person runs a full-screen tool: its controlling terminal, its
// stdin, stdout and stderr. What it writes is kept (Output) and played on
// a VT (Screen).
type Pty struct {
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	vt   *VT
	read chan struct{} // closed when the tool's side closed
	done chan error
}

// StartPty runs name args inside ns on a cols x rows terminal, with env
// added to the environment (TERM is xterm-256color unless env says).
func (ns *NS) StartPty(ctx context.Context, cols, rows int, env []string, name string, args ...string) (*Pty, error) {
	cmd := ns.Command(ctx, name, args...)
	cmd.Env = append(append(os.Environ(), "TERM=xterm-256color"), env...)
	// A session of its own, the pty its controlling terminal: Setsid
	// makes it its group's leader too, so Command's Cancel still kills
	// the group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	tty, err := pty.StartWithAttrs(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}, cmd.SysProcAttr)
	if err != nil {
		return nil, err
	}
	p := &Pty{cmd: cmd, tty: tty, vt: NewVT(cols, rows), read: make(chan struct{}), done: make(chan error, 1)}
	go p.copy()
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

func (p *Pty) copy() {
	defer close(p.read)
	buf := make([]byte, 32<<10)
	for {
		n, err := p.tty.Read(buf)
		p.mu.Lock()
		p.out.Write(buf[:n])
		_, _ = p.vt.Write(buf[:n])
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Pid is the tool's process id (that of `ip netns exec`, which execs it).
func (p *Pty) Pid() int { return p.cmd.Process.Pid }

// Output is all the tool wrote so far, escape sequences and all.
func (p *Pty) Output() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.out.Bytes())
}

// Screen is the terminal's screen now, and the alternate screen as the
// tool left it (empty while it is still up).
func (p *Pty) Screen() (now, lastAlt string, restored bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.vt.Screen(), p.vt.LastAlt, p.vt.Restored
}

// WaitScreen waits until the screen holds every one of want.
func (p *Pty) WaitScreen(timeout time.Duration, want ...string) error {
	end := time.Now().Add(timeout)
	for {
		s, _, _ := p.Screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("after %v the screen lacks %q:\n%s", timeout, missing, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Send types s.
func (p *Pty) Send(s string) error {
	_, err := io.WriteString(p.tty, s)
	return err
}

// Resize makes the terminal cols x rows; the tool gets SIGWINCH.
func (p *Pty) Resize(cols, rows int) error {
	if err := pty.Setsize(p.tty, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		return err
	}
	p.mu.Lock()
	p.vt.Resize(cols, rows)
	p.mu.Unlock()
	return nil
}

// Signal sends sig to the tool.
func (p *Pty) Signal(sig syscall.Signal) error { return syscall.Kill(p.cmd.Process.Pid, sig) }

// Wait waits for the tool to end and returns its exit status.
func (p *Pty) Wait(timeout time.Duration) (int, error) {
	select {
	case err := <-p.done:
		// Let the reader take what the tool wrote last.
		select {
		case <-p.read:
		case <-time.After(2 * time.Second):
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		return 0, err
	case <-time.After(timeout):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return -1, fmt.Errorf("still running after %v", timeout)
	}
}

// Close ends the tool if it still runs and closes the terminal.
func (p *Pty) Close() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	p.tty.Close()
}
