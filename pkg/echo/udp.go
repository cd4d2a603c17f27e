package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"golang.org/x/net/ipv4"

	"gnetutils/pkg/sockopt"
)

// UDPConfig configures a UDP echo server.
type UDPConfig struct {
	Addr          netip.AddrPort // listen address (port 0: pick one)
	Shards        int
	BlockedPorts  []int
	AllowLoopback bool
	Rate          int // per source, datagrams per second; 0 none
}

// UDPServer is a running UDP echo server.
type UDPServer struct {
	conns []net.PacketConn
	stats []*ShardStats
	guard *Guard
	addr  netip.AddrPort
	wg    sync.WaitGroup
}

// batch is how many datagrams one recvmmsg/sendmmsg moves.
const batch = 64

// maxDatagram is the largest UDP payload over IPv4 (and what we echo whole).
const maxDatagram = 65535

// listenReusePort opens one socket of a SO_REUSEPORT group.
func listenReusePort(ctx context.Context, network, addr string) (any, error) {
	lc := net.ListenConfig{Control: sockopt.ControlFunc(func(fd int) error { return sockopt.SetReusePort(fd, true) })}
	if network == "udp" {
		return lc.ListenPacket(ctx, network, addr)
	}
	return lc.Listen(ctx, network, addr)
}

// StartUDP binds the shards and starts serving.
func StartUDP(ctx context.Context, cfg UDPConfig) (*UDPServer, error) {
	if cfg.Shards < 1 {
		cfg.Shards = runtime.NumCPU()
	}
	s := &UDPServer{}
	addr := net.UDPAddrFromAddrPort(cfg.Addr).String()
	for i := 0; i < cfg.Shards; i++ {
		c, err := listenReusePort(ctx, "udp", addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen udp %s: %w", addr, err)
		}
		pc := c.(net.PacketConn)
		if i == 0 {
			// The first socket fixes the port (when 0 was asked for); the
			// others join it.
			s.addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
			addr = net.UDPAddrFromAddrPort(s.addr).String()
		}
		s.conns = append(s.conns, pc)
		s.stats = append(s.stats, &ShardStats{})
	}
	s.guard = NewGuard(cfg.BlockedPorts, cfg.AllowLoopback, cfg.Rate, s.addr)
	for i := range s.conns {
		s.wg.Add(1)
		go s.serve(i)
	}
	return s, nil
}

// Addr is the bound address.
func (s *UDPServer) Addr() netip.AddrPort { return s.addr }

// Stats are the per-shard counters.
func (s *UDPServer) Stats() []Snapshot { return snapshot(s.stats) }

// serve is one shard: its own OS thread, batches in and out, the same
// buffers for the life of the shard.
func (s *UDPServer) serve(i int) {
	defer s.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// ipv4.PacketConn's batch calls use recvmmsg/sendmmsg for IPv6 sockets
	// too (the message layout does not depend on the family).
	pc := ipv4.NewPacketConn(s.conns[i])
	st := s.stats[i]
	in := make([]ipv4.Message, batch)
	out := make([]ipv4.Message, batch)
	for j := range in {
		in[j].Buffers = [][]byte{make([]byte, maxDatagram)}
		out[j].Buffers = make([][]byte, 1)
	}
	for {
		n, err := pc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		now := time.Now()
		k := 0
		for j := 0; j < n; j++ {
			m := &in[j]
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			if s.guard.Check(ua.AddrPort(), now) != Answer {
				st.Dropped.Add(1)
				continue
			}
			out[k].Buffers[0], out[k].Addr = m.Buffers[0][:m.N], m.Addr
			k++
			st.Packets.Add(1)
			st.Bytes.Add(int64(m.N))
		}
		for sent := 0; sent < k; {
			w, err := pc.WriteBatch(out[sent:k], 0)
			if err != nil {
				break // the client's problem (unreachable); datagrams are best effort
			}
			sent += w
		}
	}
}

// Close stops every shard.
func (s *UDPServer) Close() {
	for _, c := range s.conns {
		c.Close()
	}
	s.wg.Wait()
}
