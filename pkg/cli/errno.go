package cli

import (
	"errors"
	"io"
	"syscall"
)

// Strerror is err as C's strerror words it ("Network is unreachable", not
// Go's "network is unreachable"), which the classic tools print; an error
// that is not an errno keeps its own words.
func Strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// Fail prints `<tool>: <message>` to stderr and returns code, for the
// refusals a Run makes before its job starts: return c.Fail(stderr, 2, ...).
func (c Command) Fail(stderr io.Writer, code int, format string, a ...any) int {
	Errorf(stderr, c.Name, format, a...)
	return code
}
