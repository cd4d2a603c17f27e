// Package outfile creates the files the tools write on request (garp's
// --pcap), safely for a tool that may run with privileges a user lacks:
// the last component of the path is never followed if it is a symlink (a
// link planted at the name, in /tmp say, must not make the tool clobber
// the file it points to), a new file is mode 0644 before the umask (the
// capture is not the world's to rewrite), and only a regular file is
// truncated: a device or a pipe (/dev/stdout, a FIFO a reader waits on)
// is written as it is.
package outfile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Mode is a new file's mode, before the umask.
const Mode = 0o644

// Create opens path for writing as the package says.
func Create(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY, Mode)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("%s: is a symbolic link: refusing to write through it", path)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	switch mode := st.Mode(); {
	case mode.IsRegular():
		// Truncated only now that it is known to be a regular file (the
		// same one opened: no name is looked up again).
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, err
		}
	case mode&os.ModeDevice != 0 && mode&os.ModeCharDevice == 0:
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("is a block device: refusing to write to it")}
	}
	return f, nil
}
