package garp

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/outfile"
	"gnetutils/pkg/sockopt"
)

// session is an open socket on one interface with what the modes share.
type session struct {
	o    options
	conn *packetConn
	ifi  *net.Interface
	mac  net.HardwareAddr
	src  netip.Addr
	p    printer
	pcap *pcapgo.Writer
	pmu  sync.Mutex
	// pcapErr is the first failed write to the pcap file, which abort
	// turned into the end of the run.
	pcapErr error
	abort   context.CancelCauseFunc
	stderr  io.Writer
}

// withSocket opens the session for dst (or, without one, for -I) and runs
// run with it. A write to the pcap file that fails calls abort, which
// must end run, and the run fails with that error.
func withSocket(o options, dst netip.Addr, stderr io.Writer, p printer, abort context.CancelCauseFunc, run func(*session) int) int {
	ifi, src, err := interfaceFor(o.iface, dst)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	if o.source != "" {
		if src, err = netip.ParseAddr(o.source); err != nil || !src.Is4() {
			return command.Fail(stderr, cli.ExitUsage, "invalid source %s", o.source)
		}
	}
	if len(ifi.HardwareAddr) != 6 {
		return command.Fail(stderr, cli.ExitUsage, "Interface \"%s\" is not ARPable", ifi.Name)
	}
	conn, err := openPacket(ifi)
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	defer conn.close()
	// Nothing more needs CAP_NET_RAW; the pcap file below is created with
	// no more privilege than the user's own.
	if err := sockopt.DropCapabilities(); err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	s := &session{o: o, conn: conn, ifi: ifi, mac: ifi.HardwareAddr, src: src, p: p, abort: abort, stderr: stderr}
	if o.pcap != "" {
		f, err := outfile.Create(o.pcap)
		if err != nil {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
		defer f.Close()
		s.pcap = pcapgo.NewWriter(f)
		if err := s.pcap.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
	}
	code := run(s)
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if s.pcapErr != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", s.pcapErr)
	}
	return code
}

// record writes a frame to the pcap file, if any. The first write that
// fails (a full disk) ends the run: a capture with frames silently
// missing would be worse than none.
func (s *session) record(at time.Time, frame []byte) {
	if s.pcap == nil {
		return
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if s.pcapErr != nil {
		return
	}
	if err := s.pcap.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
		s.pcapErr = err
		s.abort(err)
	}
}

func (s *session) send(p arpPacket) (time.Time, error) {
	frame, err := buildARP(p)
	if err != nil {
		return time.Time{}, err
	}
	at, err := s.conn.send(frame)
	if err == nil {
		s.record(at, frame)
	}
	return at, err
}
