// Package netlab builds real networks inside Linux network namespaces for the
// suite's tests, benchmarks and demo: router chains with per-link MTU and
// delay, ICMP drop rules, bridged L2 segments. Everything it makes is named with
// a per-lab random prefix and torn down by Close, even when a test fails.
//
// It configures namespaces with the `ip`, `nft` and `ethtool` commands rather
// than netlink calls: the commands are exactly what a person types to rebuild
// or inspect a failing lab by hand, and their errors read plainly.
package netlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// NamePrefix starts the name of every namespace a lab creates, so that Sweep
// can find what a killed run left behind.
const NamePrefix = "gnl"

// ownerDir records which process owns which lab prefix (one file per lab).
const ownerDir = "/run/gnetutils-netlab"

// Lab owns namespaces, processes and helper goroutines; Close removes them all.
type Lab struct {
	Prefix string // e.g. "gnlk3x9a": unique per lab

	mu       sync.Mutex
	nss      []*NS
	procs    []*exec.Cmd
	cleanups []func() // run in reverse order by Close, before namespaces go
	closed   bool
}

// Available reports why labs cannot be built here ("" when they can): they
// need root and the ip, nft and ethtool commands.
func Available() string {
	if os.Geteuid() != 0 {
		return "netlab needs root (network namespaces); run the tests as root, e.g. sudo make test"
	}
	for _, tool := range []string{"ip", "nft", "ethtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("netlab needs the %q command (run make deps as root)", tool)
		}
	}
	return ""
}

// New creates an empty lab. Callers must Close it; tests use ForTest instead.
func New() (*Lab, error) {
	if why := Available(); why != "" {
		return nil, errors.New(why)
	}
	Sweep()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	id := make([]byte, len(b))
	for i, x := range b {
		id[i] = digits[int(x)%len(digits)]
	}
	l := &Lab{Prefix: NamePrefix + string(id)}
	if err := os.MkdirAll(ownerDir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(ownerDir, l.Prefix), []byte(strconv.Itoa(os.Getpid())), 0o644)
	}
	return l, nil
}

// ForTest creates a lab that is closed when t ends, or skips t with the reason
// when labs cannot be built on this machine.
func ForTest(t testing.TB) *Lab {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
	l, err := New()
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

// Sweep removes namespaces left by labs whose owning process is gone (a test
// binary killed by a timeout cannot run its cleanups).
func Sweep() {
	entries, err := os.ReadDir(ownerDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		prefix := e.Name()
		raw, _ := os.ReadFile(filepath.Join(ownerDir, prefix))
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			continue
		}
		for _, ns := range Namespaces() {
			if strings.HasPrefix(ns, prefix+"-") {
				killNamespacePids(ns)
				_ = exec.Command("ip", "netns", "del", ns).Run()
			}
		}
		_ = os.Remove(filepath.Join(ownerDir, prefix))
	}
}

// Namespaces lists the named network namespaces (as `ip netns list`).
func Namespaces() []string {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Pids lists the processes running inside namespace name (as `ip netns pids`).
func Pids(name string) []int {
	out, err := exec.Command("ip", "netns", "pids", name).Output()
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

func killNamespacePids(name string) {
	for _, p := range Pids(name) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}

// Defer registers f to run at Close, before the namespaces are deleted.
func (l *Lab) Defer(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, f)
}

// Close stops every process and helper the lab started and deletes its
// namespaces (and with them every interface inside). It is idempotent.
func (l *Lab) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	procs, cleanups, nss := l.procs, l.cleanups, l.nss
	l.mu.Unlock()

	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	for _, c := range procs {
		if c.Process != nil {
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			_ = c.Process.Kill()
		}
	}
	for _, c := range procs {
		if c.Process != nil && c.ProcessState == nil {
			done := make(chan struct{})
			go func() { _ = c.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
			}
		}
	}
	var wg sync.WaitGroup
	for _, ns := range nss {
		wg.Add(1)
		go func(ns *NS) {
			defer wg.Done()
			killNamespacePids(ns.Name)
			ns.handle.Close()
			_ = exec.Command("ip", "netns", "del", ns.Name).Run()
			_ = os.RemoveAll(filepath.Join("/etc/netns", ns.Name))
		}(ns)
	}
	wg.Wait()
	_ = os.Remove(filepath.Join(ownerDir, l.Prefix))
}

// NS is one network namespace of a lab.
type NS struct {
	Name   string // full name, as `ip netns` knows it
	Short  string // the name the test gave it
	lab    *Lab
	handle netns.NsHandle
}

// AddNS creates a namespace with loopback up. short names it within the lab.
func (l *Lab) AddNS(short string) (*NS, error) {
	name := l.Prefix + "-" + short
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", name, err, bytes.TrimSpace(out))
	}
	h, err := netns.GetFromName(name)
	if err != nil {
		_ = exec.Command("ip", "netns", "del", name).Run()
		return nil, fmt.Errorf("open namespace %s: %w", name, err)
	}
	ns := &NS{Name: name, Short: short, lab: l, handle: h}
	l.mu.Lock()
	l.nss = append(l.nss, ns)
	l.mu.Unlock()
	if err := ns.IP("link", "set", "lo", "up"); err != nil {
		return nil, err
	}
	// Addresses are usable at once (no IPv6 duplicate address detection delay)
	// and every namespace answers pings, whatever the host's settings.
	for _, kv := range [][2]string{
		{"net.ipv6.conf.all.accept_dad", "0"},
		{"net.ipv6.conf.default.accept_dad", "0"},
		{"net.ipv6.conf.all.accept_ra", "0"},
		{"net.ipv6.conf.default.accept_ra", "0"},
		{"net.ipv4.icmp_echo_ignore_all", "0"},
	} {
		_ = ns.Sysctl(kv[0], kv[1])
	}
	// Name lookups of commands run in the namespace stay in it: a test
	// that resolves a name asks a server it started on the namespace's
	// loopback (or gets "connection refused"), never the host's resolver.
	if err := ns.WriteEtc("resolv.conf", []byte("nameserver 127.0.0.1\n")); err != nil {
		return nil, err
	}
	return ns, nil
}

// MustNS is AddNS for tests: it fails t on error.
func (l *Lab) MustNS(t testing.TB, short string) *NS {
	t.Helper()
	ns, err := l.AddNS(short)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// Lab returns the lab that owns ns.
func (ns *NS) Lab() *Lab { return ns.lab }

// IP runs `ip -n <ns> args...`.
func (ns *NS) IP(args ...string) error {
	_, err := ns.Exec("ip", args...)
	return err
}

// Exec runs a command inside the namespace and returns its standard output;
// the error carries the command line and its stderr.
func (ns *NS) Exec(name string, args ...string) ([]byte, error) {
	cmd := ns.Command(context.Background(), name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("[%s] %s %s: %v: %s", ns.Short, name, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// Command returns a command that runs inside the namespace through
// `ip netns exec` (which also applies /etc/netns/<name>/ files, such as a
// per-namespace hosts file). Use Start to have the lab kill it at Close.
func (ns *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Start starts cmd (from Command) and makes the lab kill it, with its process
// group, at Close if it still runs.
func (ns *NS) Start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ns.lab.mu.Lock()
	ns.lab.procs = append(ns.lab.procs, cmd)
	ns.lab.mu.Unlock()
	return nil
}

// Do runs fn on an OS thread switched into the namespace. Sockets fn creates
// stay in the namespace and may be used from any goroutine afterwards; fn must
// not start goroutines that expect to be inside it.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		if err := netns.Set(ns.handle); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns.Name, err)
			return
		}
		err = fn()
		if netns.Set(orig) == nil {
			// Only a thread back in its own namespace may serve other goroutines;
			// otherwise it stays locked and dies with this goroutine.
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Sysctl sets a sysctl inside the namespace (net.* keys are per namespace).
func (ns *NS) Sysctl(key, value string) error {
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	return ns.Do(func() error {
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			return fmt.Errorf("[%s] sysctl %s=%s: %w", ns.Short, key, value, err)
		}
		return nil
	})
}

// WriteEtc writes /etc/netns/<ns>/<file>, which `ip netns exec` bind-mounts
// over /etc/<file> for commands started with Command (e.g. "hosts",
// "resolv.conf"). Close removes it.
func (ns *NS) WriteEtc(file string, content []byte) error {
	dir := filepath.Join("/etc/netns", ns.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, file), content, 0o644)
}

// WaitTCP waits until something in the namespace accepts TCP connections
// on addr (a server the test started), or the limit passes.
func (ns *NS) WaitTCP(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok := false
		_ = ns.Do(func() error {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
				ok = true
			}
			return nil
		})
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("[%s] nothing accepts connections on %s after %v", ns.Short, addr, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
