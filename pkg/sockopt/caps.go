package sockopt

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DropCapabilities gives up every capability of the process, from every
// thread, as iputils ping does once its sockets are open: a tool installed
// with cap_net_raw+ep needs CAP_NET_RAW to open raw sockets, not to use
// them, so a flaw in what it does with a hostile peer's packets afterwards
// cannot open more. Call it once the sockets are open.
//
// Capabilities are per thread and Go runs many: capset(2) goes to each of
// them through syscall.AllThreadsSyscall. That call cannot reach threads
// that cgo code started and fails with ENOTSUP when cgo is linked (the
// binaries are built without it; `go test -race` links it): then a
// process that holds no capability has nothing to drop and carries on,
// and one that holds some fails rather than keep them unseen.
//
// As root (real uid 0) it does nothing: root was not given capabilities
// by the binary, and the tests run the tools inside their own process,
// which must keep what it needs to build the next network.
func DropCapabilities() error {
	if os.Getuid() == 0 {
		return nil
	}
	capMu.Lock()
	defer capMu.Unlock()
	capHeader = unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	capData = [2]unix.CapUserData{} // no effective, permitted or inheritable capability
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&capHeader)), uintptr(unsafe.Pointer(&capData[0])), 0)
	switch {
	case errno == 0:
		return nil
	case errno == syscall.ENOTSUP && !holdsCapabilities():
		return nil
	case errno == syscall.ENOTSUP:
		return errors.New("cannot drop capabilities: this build links cgo (build with CGO_ENABLED=0)")
	}
	return os.NewSyscallError("capset", errno)
}

// The arguments of capset live in package variables, on the heap, where
// the garbage collector never moves them while the threads read them.
var (
	capMu     sync.Mutex
	capHeader unix.CapUserHeader
	capData   [2]unix.CapUserData
)

// holdsCapabilities reports whether this thread has any capability
// permitted (or, if it cannot tell, true).
func holdsCapabilities() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return true
	}
	return data[0].Permitted|data[1].Permitted|data[0].Effective|data[1].Effective != 0
}
