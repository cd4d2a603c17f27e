package netlab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// DelayLine forwards Ethernet frames between two interfaces of one namespace,
// holding each for a fixed time: netem's delay, in user space.
type DelayLine struct {
	Delay     time.Duration
	Forwarded atomic.Uint64 // frames delivered, both directions
	Dropped   atomic.Uint64 // frames dropped because a queue was full

	ends [2]*os.File
	wg   sync.WaitGroup
	once sync.Once
}

// queueLen bounds the frames in flight per direction: a full queue drops, as a
// real link's buffer would.
const queueLen = 8192

type heldFrame struct {
	due  time.Time
	data []byte
}

func startDelayLine(ns *NS, devA, devB string, delay time.Duration) (*DelayLine, error) {
	d := &DelayLine{Delay: delay}
	for i, dev := range []string{devA, devB} {
		var f *os.File
		err := ns.Do(func() error {
			var err error
			f, err = openPacketSocket(dev)
			return err
		})
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("delay line on %s: %w", dev, err)
		}
		d.ends[i] = f
	}
	d.run(d.ends[0], d.ends[1])
	d.run(d.ends[1], d.ends[0])
	return d, nil
}

// openPacketSocket opens an AF_PACKET socket bound to dev that sees only
// frames arriving on dev (not the ones we send out of it), non-blocking so
// that reads go through Go's poller and Close interrupts them.
func openPacketSocket(dev string) (*os.File, error) {
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, err
	}
	fd, err := sockopt.OpenPacket(ifi.Index, unix.SOCK_RAW, unix.ETH_P_ALL)
	if err != nil {
		return nil, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("PACKET_IGNORE_OUTGOING: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	return os.NewFile(uintptr(fd), "packet:"+dev), nil
}

func (d *DelayLine) run(in, out *os.File) {
	q := make(chan heldFrame, queueLen)
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		defer close(q)
		buf := make([]byte, 65536)
		for {
			n, err := in.Read(buf)
			if err != nil {
				if errors.Is(err, os.ErrClosed) {
					return
				}
				continue
			}
			frame := heldFrame{due: time.Now().Add(d.Delay), data: append([]byte(nil), buf[:n]...)}
			select {
			case q <- frame:
			default:
				d.Dropped.Add(1)
			}
		}
	}()
	go func() {
		defer d.wg.Done()
		// Go's timers wake on the poller's millisecond ticks, which would add up
		// to a millisecond per direction; nanosleep on a thread of our own keeps
		// the delay within tens of microseconds.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
		for f := range q {
			if wait := time.Until(f.due); wait > 0 {
				ts := unix.NsecToTimespec(int64(wait))
				for unix.Nanosleep(&ts, &ts) == unix.EINTR {
				}
			}
			if _, err := out.Write(f.data); err == nil {
				d.Forwarded.Add(1)
			}
		}
	}()
}

// Close stops the forwarder; frames still held are dropped.
func (d *DelayLine) Close() {
	d.once.Do(func() {
		for _, f := range d.ends {
			if f != nil {
				f.Close()
			}
		}
		d.wg.Wait()
	})
}
