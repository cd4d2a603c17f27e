package netlab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
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
// holding each for a fixed time and losing the datagrams its Loss settings
// pick: netem's delay and loss, in user space.
type DelayLine struct {
	Delay     time.Duration
	Loss      [2]Loss          // [0] on frames from the first interface to the second, [1] back
	Forwarded atomic.Uint64    // frames delivered, both directions
	Dropped   atomic.Uint64    // frames dropped because a queue was full
	Lost      [2]atomic.Uint64 // datagrams dropped by Loss, per direction
	Passed    [2]atomic.Uint64 // datagrams Loss let through, per direction

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

func startDelayLine(ns *NS, devA, devB string, delay time.Duration, loss [2]Loss) (*DelayLine, error) {
	d := &DelayLine{Delay: delay, Loss: loss}
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
	d.run(0, d.ends[0], d.ends[1])
	d.run(1, d.ends[1], d.ends[0])
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

// run forwards direction dir, from in to out.
func (d *DelayLine) run(dir int, in, out *os.File) {
	q := make(chan heldFrame, queueLen)
	lose := d.Loss[dir].dropper()
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
			if isDatagram(buf[:n]) {
				if lose() {
					d.Lost[dir].Add(1)
					continue
				}
				d.Passed[dir].Add(1)
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

// Loss is which datagrams a link loses in one direction: every Every-th, or
// a random Share of them chosen by a generator seeded with Seed (the same
// seed loses the same places in the sequence of datagrams, run after run),
// or both. Only IP datagrams count and are lost; ARP and IPv6 neighbour
// discovery always cross, so that a test sees the loss it asked for and not
// a neighbour cache that stalls for a second (netem loses those too, but a
// real path's loss is mostly congestion, after the neighbours are known).
type Loss struct {
	Every int     // lose every Every-th datagram: the Every-th, the 2×Every-th, ... (0: none)
	Share float64 // lose this share of the datagrams at random, 0 to 1
	Seed  uint64
}

// active: the setting loses anything.
func (l Loss) active() bool { return l.Every > 0 || l.Share > 0 }

// dropper is the decision, datagram by datagram, in order.
func (l Loss) dropper() func() bool {
	n := 0
	rng := rand.New(rand.NewPCG(l.Seed, 0x6c6f7373)) // "loss"
	return func() bool {
		n++
		lost := l.Every > 0 && n%l.Every == 0
		// The generator advances for every datagram, lost or not, so the
		// random picks do not shift with Every.
		if l.Share > 0 && rng.Float64() < l.Share {
			lost = true
		}
		return lost
	}
}

// reseed is l with a seed of its own for the n-th of several directions
// that share one setting: links that lose "20%" lose different datagrams.
func (l Loss) reseed(n uint64) Loss {
	l.Seed = l.Seed*0x9e3779b97f4a7c15 + n + 1
	return l
}

// isDatagram: the Ethernet frame carries an IPv4 or IPv6 datagram, other
// than ICMPv6 neighbour discovery (types 133 to 137, no extension headers).
func isDatagram(frame []byte) bool {
	if len(frame) < 14 {
		return false
	}
	switch binary.BigEndian.Uint16(frame[12:14]) {
	case unix.ETH_P_IP:
		return true
	case unix.ETH_P_IPV6:
		ip := frame[14:]
		if len(ip) > 40 && ip[6] == unix.IPPROTO_ICMPV6 && 133 <= ip[40] && ip[40] <= 137 {
			return false
		}
		return true
	}
	return false
}
