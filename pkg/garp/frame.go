package garp

import (
	"errors"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// arpPacket is the part of an ARP frame the tool uses.
type arpPacket struct {
	EthSrc, EthDst net.HardwareAddr
	Op             uint16 // layers.ARPRequest or layers.ARPReply
	SenderMAC      net.HardwareAddr
	SenderIP       netip.Addr
	TargetMAC      net.HardwareAddr
	TargetIP       netip.Addr
}

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// minFrame is Ethernet's minimum frame without the FCS; shorter frames are
// padded, as the NIC would.
const minFrame = 60

// buildARP serialises an Ethernet+ARP frame with gopacket's layers.
func buildARP(p arpPacket) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: p.EthSrc, DstMAC: p.EthDst, EthernetType: layers.EthernetTypeARP}
	tmac := p.TargetMAC
	if tmac == nil {
		tmac = net.HardwareAddr{0, 0, 0, 0, 0, 0}
	}
	sip, tip := p.SenderIP.As4(), p.TargetIP.As4()
	arp := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: p.Op,
		SourceHwAddress: p.SenderMAC, SourceProtAddress: sip[:],
		DstHwAddress: tmac, DstProtAddress: tip[:],
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, arp); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) < minFrame {
		b = append(b, make([]byte, minFrame-len(b))...)
	}
	return b, nil
}

var errNotARP = errors.New("not an Ethernet/IPv4 ARP frame")

// parseARP decodes a frame; anything but Ethernet/IPv4 ARP is an error.
// Input comes from the wire: it must never panic.
func parseARP(b []byte) (arpPacket, error) {
	var eth layers.Ethernet
	var arp layers.ARP
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &arp)
	parser.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	if err := parser.DecodeLayers(b, &decoded); err != nil {
		return arpPacket{}, err
	}
	if len(decoded) < 2 || decoded[1] != layers.LayerTypeARP {
		return arpPacket{}, errNotARP
	}
	if arp.AddrType != layers.LinkTypeEthernet || arp.Protocol != layers.EthernetTypeIPv4 || arp.HwAddressSize != 6 || arp.ProtAddressSize != 4 ||
		len(arp.SourceHwAddress) != 6 || len(arp.DstHwAddress) != 6 || len(arp.SourceProtAddress) != 4 || len(arp.DstProtAddress) != 4 {
		return arpPacket{}, errNotARP
	}
	return arpPacket{
		EthSrc: clone(eth.SrcMAC), EthDst: clone(eth.DstMAC), Op: arp.Operation,
		SenderMAC: clone(arp.SourceHwAddress), SenderIP: netip.AddrFrom4([4]byte(arp.SourceProtAddress)),
		TargetMAC: clone(arp.DstHwAddress), TargetIP: netip.AddrFrom4([4]byte(arp.DstProtAddress)),
	}, nil
}

func clone(m []byte) net.HardwareAddr { return append(net.HardwareAddr(nil), m...) }
