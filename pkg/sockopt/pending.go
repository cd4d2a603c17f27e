package sockopt

import (
	"errors"

	"golang.org/x/sys/unix"
)

// An ICMP error about an earlier probe, or a forged one, leaves its
// errno pending on a datagram socket that has IP_RECVERR (sk_err), and
// the next send returns it instead of sending, and clears it. The probe
// engines (icmpx, udpprobe) send again after such a refusal, at most
// PendingErrorRetries times: a trace with 16 probes in flight can see a
// burst of answers at once, and a spoofer forging three errors a probe
// ran through icmpx's 8 tries (gtraceroute -I under TestLabForgedAnswers
// failed 3 runs of 38; udpprobe's -UL over IPv6 once in a full lab run).
// The kernel refuses such a send before anything leaves, so a retry
// sends nothing twice.
const PendingErrorRetries = 64

// IsPendingErrno reports the errnos the kernel stores on a socket when
// an ICMP error arrives (and so may be an earlier packet's, not this
// send's).
func IsPendingErrno(err error) bool {
	for _, e := range []unix.Errno{unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EPROTO, unix.EMSGSIZE, unix.ETIMEDOUT, unix.EACCES, unix.ENOPROTOOPT} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
