package garp

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabPcapFile attacks the real binary's --pcap: a symlink planted at
// the name is refused and its target left alone; a new file is 0644
// whatever the umask; a file that cannot be written (/dev/full, a tmpfs
// that fills up under an ARP flood) ends the run at once, with one line
// on stderr and exit status 2, instead of a capture silently missing
// frames. And --rate beyond the link's line rate is refused.
func TestLabPcapFile(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	h1 := s.Hosts[0]
	bin := netlab.Binary(t, "garp")
	dir := t.TempDir()
	watch := func(pcap string, secs string) []string {
		// umask 0: the mode garp asks for is the mode the file gets.
		return []string{"sh", "-c", `umask 000; exec "$0" "$@"`, bin, "--watch", "-I", "eth0", "-w", secs, "--pcap", pcap}
	}
	oneLine := func(t *testing.T, r labflood.Run, want string) {
		t.Helper()
		if r.Code != 2 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, want) {
			t.Errorf("exit %d, stderr %q: want 2 and one line saying %q", r.Code, r.Stderr, want)
		}
	}
	t.Run("symlink", func(t *testing.T) {
		victim := filepath.Join(dir, "victim")
		if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link.pcap")
		if err := os.Symlink(victim, link); err != nil {
			t.Fatal(err)
		}
		r := labflood.RunTool(t, h1, 0, 10*time.Second, watch(link, "1")...)
		oneLine(t, r, "symbolic link")
		if b, _ := os.ReadFile(victim); string(b) != "keep me" {
			t.Errorf("the symlink's target was written: %q", b)
		}
	})
	t.Run("mode", func(t *testing.T) {
		out := filepath.Join(dir, "new.pcap")
		r := labflood.RunTool(t, h1, 0, 10*time.Second, watch(out, "1")...)
		st, err := os.Stat(out)
		if r.Code != 0 || err != nil || st.Mode().Perm() != 0o644 || st.Size() != 24 {
			t.Errorf("exit %d %s; file %v: want mode 0644 holding the pcap header", r.Code, r.Stderr, st.Mode())
		}
	})
	t.Run("dev full", func(t *testing.T) {
		r := labflood.RunTool(t, h1, 0, 10*time.Second, watch("/dev/full", "5")...)
		oneLine(t, r, "no space left on device")
	})
	t.Run("full tmpfs", func(t *testing.T) {
		full := filepath.Join(dir, "small")
		if err := os.Mkdir(full, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", full).CombinedOutput(); err != nil {
			t.Skipf("mount tmpfs: %v %s", err, out)
		}
		defer exec.Command("umount", full).Run()
		// 16 KiB hold about 200 frames of 76 bytes with their records.
		mac := net.HardwareAddr{0x02, 0xee, 0, 0, 0, 1}
		frame := labflood.ARPFrame(1, mac, netip.MustParseAddr("198.19.0.99"), netip.MustParseAddr(s.Addr4(0)))
		f, err := labflood.StartARP(s.Hosts[2], "eth0", labflood.Limits{Rate: 2000, Count: 20000, Duration: 10 * time.Second}, func(int) []byte { return frame })
		if err != nil {
			t.Fatal(err)
		}
		defer f.Stop()
		r := labflood.RunTool(t, h1, 0, 20*time.Second, watch(filepath.Join(full, "cap.pcap"), "10")...)
		t.Logf("ended after %v: %s", r.Elapsed.Round(time.Millisecond), r.Stderr)
		oneLine(t, r, "no space left on device")
		if r.Elapsed > 5*time.Second {
			t.Errorf("ran %v with its file full, want an end at once", r.Elapsed)
		}
	})
	t.Run("rate", func(t *testing.T) {
		r := labflood.RunTool(t, h1, 0, 10*time.Second, bin, "--scan", "198.19.0.0/24", "-I", "eth0", "--rate", "100000000")
		oneLine(t, r, "more than eth0 carries")
		t.Logf("%s", r.Stderr)
	})
}
