// Package labrun shows commands running inside a lab for `make demo` and
// `make bench`: it finds the built binaries, runs a command in a namespace,
// and prints it the way a person would see it in a shell.
package labrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/netlab"
)

// BinDir is where `make build` puts the tools.
func BinDir() string {
	if d := os.Getenv("GNETUTILS_BIN"); d != "" {
		return d
	}
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "bin")
		}
		if dir == filepath.Dir(dir) {
			return filepath.Join(wd, "bin")
		}
	}
}

// Tool returns the path of a built gnetutils tool, or of a system command.
func Tool(name string) string {
	p := filepath.Join(BinDir(), name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return name
}

// Result is what one command did.
type Result struct {
	Output  string
	Elapsed time.Duration
	Err     error
}

// Run runs argv inside ns with a timeout and returns its combined output and
// wall time. argv[0] is looked up with Tool.
func Run(ns *netlab.NS, timeout time.Duration, argv ...string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := ns.Command(ctx, Tool(argv[0]), argv[1:]...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	return Result{Output: string(out), Elapsed: time.Since(start), Err: err}
}

// Show runs argv inside ns and prints `[ns]$ argv` then its output to w.
func Show(w io.Writer, ns *netlab.NS, timeout time.Duration, argv ...string) Result {
	fmt.Fprintf(w, "[%s]$ %s\n", ns.Short, strings.Join(argv, " "))
	r := Run(ns, timeout, argv...)
	fmt.Fprint(w, r.Output)
	if r.Err != nil {
		fmt.Fprintf(w, "(%v)\n", r.Err)
	}
	fmt.Fprintln(w)
	return r
}

// Server is a command started in the background by Serve.
type Server struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// Serve starts argv inside ns in the background, as `[ns]$ argv &` (which
// it prints to w), and gives it 300 ms to start listening. The lab kills
// it at Close if Stop did not end it before.
func Serve(w io.Writer, ns *netlab.NS, argv ...string) (*Server, error) {
	fmt.Fprintf(w, "[%s]$ %s &\n", ns.Short, strings.Join(argv, " "))
	s := &Server{cmd: ns.Command(context.Background(), Tool(argv[0]), argv[1:]...)}
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := ns.Start(s.cmd); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	return s, nil
}

// Stop ends the server with SIGTERM, as a person's kill would, waits for it
// and returns what it printed, its summary at SIGTERM included.
func (s *Server) Stop() (output string, err error) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	err = s.cmd.Wait()
	return s.out.String(), err
}
