package icmpx

import (
	"hash/maphash"
	"time"
)

// probeTable is what the Conn remembers of each probe, by sequence number:
// when it left, its payload's length, first bytes and keyed hash, and what
// answered it. The latest probe with a sequence number owns it (they wrap
// at 65536). Pages of 256 entries are allocated as sequence numbers reach
// them: a trace costs one page, a flood at most 65536 small entries, and
// nothing per probe. (A map of probe records and a copy of each payload
// cost a flood three allocations per packet.)
type probeTable struct {
	pages [256]*[256]probe
}

// headLen is how much of each payload the table keeps verbatim: what the
// callers vary per probe (ping's 16-byte timestamp, traceroute's checksum
// fix) and the cookie, which Config.CookieAt places within it. An error
// quotes a prefix of the payload, which a hash of the whole cannot check.
const headLen = maxCookieAt + CookieLen

type probe struct {
	at      time.Time // zero: never sent
	size    int
	sum     uint64 // maphash of the payload with the Conn's seed
	head    [headLen]byte
	replies int
	// ended: an ICMP error said the probe went no further; later errors
	// about it are not believed.
	ended bool
}

// put records a probe that is about to leave.
func (t *probeTable) put(seq uint16, at time.Time, payload []byte, seed maphash.Seed) {
	page := t.pages[seq>>8]
	if page == nil {
		page = new([256]probe)
		t.pages[seq>>8] = page
	}
	p := &page[seq&0xff]
	*p = probe{at: at, size: len(payload), sum: maphash.Bytes(seed, payload)}
	copy(p.head[:], payload)
}

// get returns the probe with this sequence number, nil if none was sent.
func (t *probeTable) get(seq uint16) *probe {
	page := t.pages[seq>>8]
	if page == nil || page[seq&0xff].at.IsZero() {
		return nil
	}
	return &page[seq&0xff]
}

// carried reports whether data is the payload the probe carried. The hash
// is keyed with a seed chosen at random per Conn, so nobody on the path can
// make corrupted data match; an accidental match has a chance of 2^-64.
func (p *probe) carried(data []byte, seed maphash.Seed) bool {
	return len(data) == p.size && maphash.Bytes(seed, data) == p.sum
}

// quoted reports whether data, the payload as an ICMP error quoted it, is
// a prefix of what the probe carried: its first headLen bytes verbatim
// (the cookie among them), and all of it when the router quoted all of it.
// Bytes beyond the payload's length are the router's (padding, RFC 4884
// extensions without a length) and not compared.
func (p *probe) quoted(data []byte, seed maphash.Seed) bool {
	if len(data) >= p.size {
		return maphash.Bytes(seed, data[:p.size]) == p.sum
	}
	n := min(len(data), headLen)
	return string(data[:n]) == string(p.head[:n])
}
