package sockopt

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TCPInfo is the part of the kernel's struct tcp_info the suite reads.
type TCPInfo struct {
	State uint8
	// SynData: our SYN carried data that the server acknowledged
	// (TCPI_OPT_SYN_DATA), i.e. TCP Fast Open worked.
	SynData bool
	// FastOpenClientFail says why a Fast Open attempt fell back
	// (tcpi_fastopen_client_fail: 0 unspecified, 1 no cookie sent,
	// 2 SYN-ACK did not ack the data, 3 SYN-ACK timed out).
	FastOpenClientFail        int
	RTT, RTTVar, MinRTT       time.Duration
	SndMSS, RcvMSS, PMTU      uint32
	Retransmits               uint8
	TotalRetrans              uint32
	BytesAcked, BytesReceived uint64
	SegsIn, SegsOut           uint32
	SndCwnd                   uint32
}

// tcpiOptSynData is TCPI_OPT_SYN_DATA of linux/tcp.h.
const tcpiOptSynData = 0x20

// GetTCPInfo reads TCP_INFO.
func GetTCPInfo(fd int) (TCPInfo, error) {
	ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return TCPInfo{}, err
	}
	// Byte 7 of struct tcp_info holds the bit fields
	// tcpi_delivery_rate_app_limited:1 and tcpi_fastopen_client_fail:2,
	// which x/sys leaves as padding.
	b7 := *(*uint8)(unsafe.Add(unsafe.Pointer(ti), 7))
	us := func(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
	return TCPInfo{
		State:              ti.State,
		SynData:            ti.Options&tcpiOptSynData != 0,
		FastOpenClientFail: int(b7>>1) & 3,
		RTT:                us(ti.Rtt),
		RTTVar:             us(ti.Rttvar),
		MinRTT:             us(ti.Min_rtt),
		SndMSS:             ti.Snd_mss,
		RcvMSS:             ti.Rcv_mss,
		PMTU:               ti.Pmtu,
		Retransmits:        ti.Retransmits,
		TotalRetrans:       ti.Total_retrans,
		BytesAcked:         ti.Bytes_acked,
		BytesReceived:      ti.Bytes_received,
		SegsIn:             ti.Segs_in,
		SegsOut:            ti.Segs_out,
		SndCwnd:            ti.Snd_cwnd,
	}, nil
}
