package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCreate(t *testing.T) {
	old := syscall.Umask(0) // so that the mode asked for is the mode made
	defer syscall.Umask(old)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "old.pcap")
	if err := os.WriteFile(existing, []byte("old capture"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, refusal string
		mode                os.FileMode // of the file made, if any
	}{
		{"new file", filepath.Join(dir, "new.pcap"), "", Mode},
		{"existing file truncated, mode kept", existing, "", 0o600},
		{"symlink refused", filepath.Join(dir, "link"), "symbolic link", 0},
		{"device written as it is", os.DevNull, "", 0},
		{"directory refused", dir, "is a directory", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Create(tc.path)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) {
					t.Errorf("error %v, want %q", err, tc.refusal)
				}
				if f != nil {
					f.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			if tc.mode != 0 && (st.Mode().Perm() != tc.mode || st.Size() != 0) {
				t.Errorf("mode %v size %d, want %v and empty", st.Mode().Perm(), st.Size(), tc.mode)
			}
		})
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symlink's target was written: %q", b)
	}
}
