// Package labflood attacks the real binaries in a lab, for the lab tests
// of the tools that must hold under a flood: an ICMP flooder that mirrors
// the probes it sees (so its answers pass the tools' matching and reach
// their queues), an ARP flooder of random senders, and the built binary a
// test runs as a process. Like netlab it is for tests only: every packet
// goes to a namespace the test made, and every flood stops by itself,
// bounded in count and time.
package labflood

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// Limits bound a flood: it stops at Count packets or after Duration,
// whichever comes first, and sends at most Rate packets a second.
type Limits struct {
	Rate     int
	Count    int
	Duration time.Duration
}

// Flood is a flood in progress.
type Flood struct {
	done chan Stats
	stop atomic.Bool
}

func newFlood() *Flood { return &Flood{done: make(chan Stats, 1)} }

// Stop ends the flood early and says what it sent.
func (f *Flood) Stop() Stats {
	f.stop.Store(true)
	return f.Wait()
}

// Wait waits for the flood to end and says what it sent.
func (f *Flood) Wait() Stats { return <-f.done }

// Stats is what a flood sent.
type Stats struct {
	Sent    int
	Elapsed time.Duration
}

// Rate is the rate the flood reached, in packets a second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Elapsed.Seconds()
}

func (s Stats) String() string {
	return fmt.Sprintf("%d packets in %v (%.0f/s)", s.Sent, s.Elapsed.Round(time.Millisecond), s.Rate())
}

// pace sends in bursts of burst packets, each burst at its time on the
// schedule that Rate sets, until the limits are reached; send returns
// false to stop early.
func (l Limits) pace(send func() bool) Stats {
	const burst = 64
	start := time.Now()
	end := start.Add(l.Duration)
	gap := time.Second * burst / time.Duration(max(l.Rate, 1))
	next := start
	sent := 0
	for sent < l.Count && time.Now().Before(end) {
		if d := time.Until(next); d > 0 {
			if next.After(end) {
				break
			}
			time.Sleep(d)
		}
		for i := 0; i < burst && sent < l.Count; i++ {
			if !send() {
				return Stats{Sent: sent, Elapsed: time.Since(start)}
			}
			sent++
		}
		next = next.Add(gap)
		if behind := time.Since(next); behind > 100*time.Millisecond {
			next = time.Now() // too slow for the rate: send as fast as we can, no catch-up burst
		}
	}
	return Stats{Sent: sent, Elapsed: time.Since(start)}
}

// Run is one run of a tool under attack: its output, exit status and
// how long it took, and with an interrupt how long it took to end after
// SIGINT.
type Run struct {
	Stdout, Stderr string
	Code           int
	Elapsed        time.Duration
	AfterSIGINT    time.Duration // 0 without an interrupt
	PeakRSS        int           // the largest resident set seen, KiB (sampled every 50 ms)
	// Status is /proc/PID/status as it was just before SIGINT.
	Status string
}

// RunTool runs argv in ns, sends SIGINT after interrupt (0: never) and
// waits for it to end, at most limit (then kills it: Code -1).
func RunTool(t testing.TB, ns *netlab.NS, interrupt, limit time.Duration, argv ...string) Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := ns.Command(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := ns.Start(cmd); err != nil {
		t.Fatal(err)
	}
	var r Run
	stopRSS := watchRSS(cmd.Process.Pid, &r.PeakRSS)
	done := make(chan error, 1)
	go func() { err := cmd.Wait(); stopRSS(); done <- err }()
	if interrupt > 0 {
		select {
		case err := <-done:
			done <- err
		case <-time.After(interrupt):
			// ip netns exec (and setpriv) exec the tool: the pid is the tool's.
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			r.Status = string(b)
			_ = cmd.Process.Signal(syscall.SIGINT)
		}
	}
	sig := time.Now()
	err := <-done
	r.Elapsed = time.Since(start)
	if interrupt > 0 {
		r.AfterSIGINT = time.Since(sig)
	}
	r.Stdout, r.Stderr, r.Code = stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	if ctx.Err() != nil {
		r.Code = -1
	}
	_ = err
	return r
}

// watchRSS samples pid's resident set every 50 ms into *peak (KiB) until
// stop, which returns once the last sample is in.
func watchRSS(pid int, peak *int) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			for _, line := range strings.Split(string(b), "\n") {
				var kib int
				if _, e := fmt.Sscanf(line, "VmRSS: %d kB", &kib); e == nil && kib > *peak {
					*peak = kib
				}
			}
			select {
			case <-quit:
				return
			case <-t.C:
				if err != nil {
					return
				}
			}
		}
	}()
	return func() { close(quit); <-done }
}

// Setcap is a copy of the built tool in a directory any user can read,
// given CAP_NET_RAW as make install gives it (setcap cap_net_raw+ep).
// The test skips when setcap is missing.
func Setcap(t testing.TB, tool string) string {
	t.Helper()
	if _, err := exec.LookPath("setcap"); err != nil {
		t.Skip("setcap (Debian package libcap2-bin) not installed")
	}
	src, err := os.ReadFile(netlab.Binary(t, tool))
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parent is private to root, and the tool runs as
	// another user.
	dir, err := os.MkdirTemp("", "labflood-setcap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, tool)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("setcap", "cap_net_raw+ep", bin).CombinedOutput(); err != nil {
		t.Fatalf("setcap: %v %s", err, out)
	}
	return bin
}

// AsNobody is argv run as user nobody (setpriv), with no supplementary
// groups. The test skips when setpriv is missing.
func AsNobody(t testing.TB, argv ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	return append([]string{"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"}, argv...)
}

// StatusField is the value of one field of /proc/PID/status ("CapEff",
// "Uid", ...), "" if absent.
func StatusField(status, name string) string {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// NoCapabilities fails t unless the status shows a process of user nobody
// with no effective and no permitted capability.
func NoCapabilities(t testing.TB, r Run) {
	t.Helper()
	uid, eff, prm := StatusField(r.Status, "Uid"), StatusField(r.Status, "CapEff"), StatusField(r.Status, "CapPrm")
	t.Logf("while running: Uid %s, CapEff %s, CapPrm %s", uid, eff, prm)
	if !strings.HasPrefix(uid, "65534") || eff != "0000000000000000" || prm != "0000000000000000" {
		t.Errorf("Uid %q CapEff %q CapPrm %q: want nobody without capabilities\nstdout:\n%sstderr:\n%s", uid, eff, prm, r.Stdout, r.Stderr)
	}
}
