package garp

import (
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/sockopt"
)

// session is an open socket on one interface with what the modes share.
type session struct {
	o      options
	conn   *packetConn
	ifi    *net.Interface
	mac    net.HardwareAddr
	src    netip.Addr
	p      printer
	pcap   *pcapgo.Writer
	pmu    sync.Mutex
	stderr io.Writer
}

// withSocket opens the session for dst (or, without one, for -I) and runs
// run with it.
func withSocket(o options, dst netip.Addr, stderr io.Writer, p printer, run func(*session) int) int {
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
	s := &session{o: o, conn: conn, ifi: ifi, mac: ifi.HardwareAddr, src: src, p: p, stderr: stderr}
	if o.pcap != "" {
		f, err := os.Create(o.pcap)
		if err != nil {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
		defer f.Close()
		s.pcap = pcapgo.NewWriter(f)
		if err := s.pcap.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
	}
	return run(s)
}

// record writes a frame to the pcap file, if any.
func (s *session) record(at time.Time, frame []byte) {
	if s.pcap == nil {
		return
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	_ = s.pcap.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(frame), Length: len(frame)}, frame)
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
