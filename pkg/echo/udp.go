package echo

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// udpConfig configures a UDP echo server.
type udpConfig struct {
	Addr          netip.AddrPort // listen address (port 0: pick one)
	Shards        int
	BlockedPorts  []int
	AllowLoopback bool
	Rate          int // per source, datagrams per second; 0 none
}

// udpServer is a running UDP echo server.
type udpServer struct {
	fds     []int
	stats   []*shardStats
	guard   *udpGuard
	addr    netip.AddrPort
	closing atomic.Bool
	once    sync.Once
	wg      sync.WaitGroup
}

// batch is how many datagrams one recvmmsg/sendmmsg moves.
const batch = 64

// maxDatagram is the largest UDP payload over IPv4 (and what we echo whole).
const maxDatagram = 65535

// startUDP binds the shards and starts serving.
func startUDP(_ context.Context, cfg udpConfig) (*udpServer, error) {
	if cfg.Shards < 1 {
		cfg.Shards = runtime.NumCPU()
	}
	s := &udpServer{addr: cfg.Addr}
	for i := 0; i < cfg.Shards; i++ {
		fd, bound, err := reusePortSocket(s.addr, unix.SOCK_DGRAM)
		if err != nil {
			for _, fd := range s.fds {
				unix.Close(fd)
			}
			return nil, fmt.Errorf("listen udp: %w", err)
		}
		// The first socket fixes the port (when 0 was asked for); the
		// others join it.
		s.addr = bound
		s.fds = append(s.fds, fd)
		s.stats = append(s.stats, &shardStats{})
	}
	s.guard = newUDPGuard(cfg.BlockedPorts, cfg.AllowLoopback, cfg.Rate, s.addr)
	for i := range s.fds {
		s.wg.Add(1)
		go s.serve(i)
	}
	return s, nil
}

// Addr is the bound address.
func (s *udpServer) Addr() netip.AddrPort { return s.addr }

// Stats are the per-shard counters.
func (s *udpServer) Stats() []shardSnapshot { return snapshots(s.stats) }

// udpBatch is one shard's recvmmsg/sendmmsg arrays, made once: datagram
// buffers, the source addresses they came from (sent back to as they are),
// and the message headers pointing at both.
type udpBatch struct {
	in    [batch]unix.Mmsghdr
	inIov [batch]unix.Iovec
	out   [batch]unix.Mmsghdr
	outIv [batch]unix.Iovec
	names [batch]unix.RawSockaddrInet6 // large enough for either family
	bufs  [batch][]byte
}

func newUDPBatch() *udpBatch {
	b := &udpBatch{}
	for j := range b.in {
		b.bufs[j] = make([]byte, maxDatagram)
		b.inIov[j].Base = &b.bufs[j][0]
		b.inIov[j].SetLen(maxDatagram)
		b.in[j].Hdr.Name = (*byte)(unsafe.Pointer(&b.names[j]))
		b.in[j].Hdr.Iov = &b.inIov[j]
		b.in[j].Hdr.SetIovlen(1)
		b.out[j].Hdr.Iov = &b.outIv[j]
		b.out[j].Hdr.SetIovlen(1)
	}
	return b
}

// serve is one shard: its own OS thread asleep in recvmmsg on a blocking
// socket, so a datagram wakes this thread and nothing else (through Go's
// netpoller it would take a non-blocking try, a park, an epoll_wait and a
// goroutine wake-up); MSG_WAITFORONE then takes whatever else is queued
// without waiting, and sendmmsg answers the whole batch in one call.
func (s *udpServer) serve(i int) {
	defer s.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fd, st, b := uintptr(s.fds[i]), s.stats[i], newUDPBatch()
	for {
		for j := range b.in {
			b.in[j].Hdr.Namelen = unix.SizeofSockaddrInet6
		}
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.in[0])), batch, unix.MSG_WAITFORONE, 0, 0)
		if s.closing.Load() {
			return // woken by Close's shutdown(2): what it returned is no datagram
		}
		if errno != 0 {
			continue // EINTR, or ENOMEM and friends: datagrams are best effort
		}
		n := int(r)
		now := time.Now()
		k, bytes, dropped := 0, int64(0), int64(0)
		for j := 0; j < n; j++ {
			m := &b.in[j]
			name := unsafe.Slice((*byte)(unsafe.Pointer(&b.names[j])), min(m.Hdr.Namelen, unix.SizeofSockaddrInet6))
			if s.guard.Check(sockopt.ParseSockaddr(name), now) != answer {
				dropped++
				continue
			}
			o := &b.out[k]
			o.Hdr.Name, o.Hdr.Namelen = m.Hdr.Name, m.Hdr.Namelen
			b.outIv[k].Base = &b.bufs[j][0]
			b.outIv[k].SetLen(int(m.Len))
			k++
			bytes += int64(m.Len)
		}
		for sent := 0; sent < k; {
			w, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.out[sent])), uintptr(k-sent), 0, 0, 0)
			if errno != 0 {
				// The first datagram left failed (its sender unreachable):
				// skip it, answer the others.
				w = 1
			}
			sent += int(w)
		}
		st.Packets.Add(int64(k))
		st.Bytes.Add(bytes)
		if dropped > 0 {
			st.Dropped.Add(dropped)
		}
	}
}

// Close stops every shard. shutdown(2) wakes a shard asleep in recvmmsg
// (close(2) would not): the call returns and the shard sees closing.
func (s *udpServer) Close() {
	s.once.Do(func() {
		s.closing.Store(true)
		for _, fd := range s.fds {
			_ = unix.Shutdown(fd, unix.SHUT_RD) // ENOTCONN on an unconnected socket, after waking it
		}
		s.wg.Wait()
		for _, fd := range s.fds {
			unix.Close(fd)
		}
	})
}
