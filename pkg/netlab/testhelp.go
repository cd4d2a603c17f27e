package netlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// What the tools' lab tests share: the classic peers they need, the
// tools run in-process inside a namespace, and the built binaries for the
// tests that need a whole process.

// installHint says how to get a command a test needs, where make deps
// does not install it under its own name.
var installHint = map[string]string{
	"ping":       "ping (Debian package iputils-ping) not installed; make deps installs it",
	"tracepath":  "tracepath (Debian package iputils-tracepath) not installed; make deps installs it",
	"arping":     "arping (Debian package iputils-arping) not installed; make deps installs it",
	"traceroute": "traceroute (Debian package traceroute) not installed; make deps installs it",
	"dig":        "dig (Debian package bind9-dnsutils) not installed; make deps installs it",
	"setpriv":    "setpriv (util-linux) not installed",
}

// Need skips t unless every command is installed: the classic peers a
// test compares with, and the servers a lab runs.
func Need(t testing.TB, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			hint, ok := installHint[c]
			if !ok {
				hint = c + " not installed; make deps installs it"
			}
			t.Skip(hint)
		}
	}
}

// CombinedOutput runs a command inside ns (NS.Command) and returns what it
// wrote to stdout and stderr, interleaved, and its exit status: a classic
// peer or a tool's binary, as a person would run it. It fails t when the
// command cannot run at all.
func (ns *NS) CombinedOutput(t testing.TB, name string, args ...string) (output string, status int) {
	t.Helper()
	out, err := ns.Command(context.Background(), name, args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("[%s] %s: %v", ns.Short, name, err)
	}
	return string(out), 0
}

// ForgetPathMTUs flushes what the kernel of ns learned about paths (their
// MTUs above all), IPv4 and IPv6, so that the next tool starts as on a
// fresh host, not from what the one before taught the kernel.
func ForgetPathMTUs(t testing.TB, ns *NS) {
	t.Helper()
	for _, fam := range []string{"-4", "-6"} {
		if out, err := ns.Exec("ip", fam, "route", "flush", "cache"); err != nil {
			t.Fatalf("ip %s route flush cache: %v %s", fam, err, out)
		}
	}
}

// Tool is a gnetutils tool's Run, what cmd/<tool>/main.go calls.
type Tool func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// toolLimit ends a tool that hangs, so that its test fails rather than the
// whole package at go test's timeout.
const toolLimit = 2 * time.Minute

// RunTool runs tool in-process inside ns with args and returns what it
// wrote and its exit status. It runs on one thread switched into ns (Do):
// a tool whose sockets are opened from other goroutines needs a whole
// process, Binary and NS.Command.
func (ns *NS) RunTool(t testing.TB, tool Tool, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return ns.RunToolCtx(context.Background(), t, tool, args...)
}

// RunToolCtx is RunTool ended by ctx (a tool's SIGINT).
func (ns *NS) RunToolCtx(ctx context.Context, t testing.TB, tool Tool, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, toolLimit)
	defer cancel()
	var out, errOut bytes.Buffer
	code = -1
	if err := ns.Do(func() error { code = tool(ctx, args, nil, &out, &errOut); return nil }); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// BinEnv names a directory holding the built tools: make labtest sets it
// to bin/, which make build has just filled. Without it Binary builds them.
const BinEnv = "GNETUTILS_BIN"

// builds holds, per tool, the sync.OnceValues that builds it: once per test
// process, whichever test asks first.
var builds sync.Map

// Binary returns the path of a gnetutils tool's binary, for a test that
// runs it as a process: as another user, with the /etc files `ip netns
// exec` mounts, or with goroutines that must all be in the namespace. It
// is $GNETUTILS_BIN/<tool> when that is set, else built once per test
// process as make build builds it, in a directory any user may read.
func Binary(t testing.TB, tool string) string {
	t.Helper()
	if dir := os.Getenv(BinEnv); dir != "" {
		path := filepath.Join(dir, tool)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s=%s: %v (make build puts the tools there)", BinEnv, dir, err)
		}
		return path
	}
	build, _ := builds.LoadOrStore(tool, sync.OnceValues(func() (string, error) { return buildTool(tool) }))
	path, err := build.(func() (string, error))()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func buildTool(tool string) (string, error) {
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, tool)
	cmd := exec.Command("go", "build", "-o", bin, "gnetutils/cmd/"+tool)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", tool, err, out)
	}
	return bin, nil
}

// binDirPrefix starts the name of each test process's binary directory,
// followed by its pid: a test process cannot remove its directory when it
// ends (no test outlives the others), so the next one removes the
// directories of processes that are gone, as Sweep does namespaces.
const binDirPrefix = "gnetutils-bin-"

var binDir = sync.OnceValues(func() (string, error) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range old {
		pid, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(d), binDirPrefix), "-", 2)[0])
		if pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", binDirPrefix, os.Getpid()))
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755) // for the tests that run it as nobody
})
