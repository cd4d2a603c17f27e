package garp

import (
	"encoding/binary"
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

// The Ethernet header's length, and an Ethernet/IPv4 ARP message's: 8
// bytes, two 6-byte MACs and two 4-byte addresses.
const (
	ethHeaderLen = 14
	arpLen       = 8 + 2*6 + 2*4
)

// isEthernetIPv4ARP checks the frame before gopacket decodes it: its ARP
// decoder sums the address sizes in uint8, so sizes such as 128 wrap its
// length check and its slicing panics (a recover in the parser turned that
// into an error, but nothing should rely on it). Only Ethernet/IPv4 ARP
// with its sizes, 6 and 4, and room for them goes on.
func isEthernetIPv4ARP(b []byte) bool {
	if len(b) < ethHeaderLen+arpLen || binary.BigEndian.Uint16(b[12:]) != uint16(layers.EthernetTypeARP) {
		return false
	}
	a := b[ethHeaderLen:]
	return binary.BigEndian.Uint16(a[0:]) == uint16(layers.LinkTypeEthernet) && binary.BigEndian.Uint16(a[2:]) == uint16(layers.EthernetTypeIPv4) &&
		a[4] == 6 && a[5] == 4
}

// parseARP decodes a frame; anything but Ethernet/IPv4 ARP is an error.
// Input comes from the wire: it must never panic.
func parseARP(b []byte) (arpPacket, error) {
	if !isEthernetIPv4ARP(b) {
		return arpPacket{}, errNotARP
	}
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
