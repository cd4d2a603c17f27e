package gdig

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// A stub's answer that does not parse is, as dig 9.18 tells it, either
// cut short (the message ends inside a question or a record, or holds
// fewer records than its header counts) or broken (a name's label or
// compression pointer, rdata shorter than its length). dig prints the
// first as far as it could be read with +besteffort, and for the rest
// says ";; Got bad packet:" with BIND's words for why and a hex dump of
// the message. readWire reads a message as BIND's parser does: the
// header, then each question and record in turn, stopping at the first
// that fails.

// BIND's words for why a message did not parse (isc_result_totext).
var (
	errWireEnd     = errors.New("unexpected end of input")
	errWirePointer = errors.New("bad compression pointer")
	errWireLabel   = errors.New("bad label type")
	errWireExtra   = errors.New("extra input data")
	errWireLong    = errors.New("name too long")
	errWireHops    = errors.New("too many hops")
)

// wireRead is what readWire could read of a message.
type wireRead struct {
	msg *dns.Msg // the header, and the questions and records read whole
	// counts are the header's QDCOUNT, ANCOUNT, NSCOUNT and ARCOUNT,
	// which dig prints as they came.
	counts [4]int
	// qname: a question's name was read (if not its type and class):
	// dig then prints the question section's heading.
	qname bool
	err   error // why reading stopped; nil when the message read whole
	// end is where reading ended in the message: after the last record,
	// or where the part that failed began (a name, a record's fixed
	// fields, its rdata); size is the message's. dig warns of the bytes
	// between them.
	end, size int
}

// extra is the bytes of the message after where reading ended.
func (w wireRead) extra() int { return w.size - w.end }

// recoverable: the message was cut short, which dig +besteffort prints
// as far as it goes.
func (w wireRead) recoverable() bool { return errors.Is(w.err, errWireEnd) }

// readWire reads raw, a DNS message of at least a header's 12 bytes.
// Bytes after the last record are ignored, as BIND ignores them.
func readWire(raw []byte) wireRead {
	w := wireRead{size: len(raw), end: 12}
	hdr := make([]byte, 12)
	copy(hdr, raw)
	for i := range w.counts {
		w.counts[i] = int(binary.BigEndian.Uint16(raw[4+2*i:]))
		hdr[4+2*i], hdr[5+2*i] = 0, 0
	}
	w.msg = new(dns.Msg)
	_ = w.msg.Unpack(hdr) // twelve bytes and no records: it cannot fail
	for range w.counts[0] {
		q, next, err := readQuestion(raw, w.end, &w.qname)
		if w.end = next; err != nil {
			w.err = err
			return w
		}
		w.msg.Question = append(w.msg.Question, q)
	}
	for i, sec := range []*[]dns.RR{&w.msg.Answer, &w.msg.Ns, &w.msg.Extra} {
		for range w.counts[i+1] {
			rr, next, err := readRR(raw, w.end)
			if w.end = next; err != nil {
				w.err = err
				return w
			}
			*sec = append(*sec, rr)
		}
	}
	return w
}

// readQuestion reads the question at off; named says its name was read.
func readQuestion(raw []byte, off int, named *bool) (dns.Question, int, error) {
	name, off, err := readName(raw, off)
	if err != nil {
		return dns.Question{}, off, err
	}
	*named = true
	if off+4 > len(raw) {
		return dns.Question{}, off, errWireEnd
	}
	return dns.Question{Name: name, Qtype: binary.BigEndian.Uint16(raw[off:]), Qclass: binary.BigEndian.Uint16(raw[off+2:])}, off + 4, nil
}

// readRR reads the record at off: its owner, its fixed fields, then its
// rdata through miekg/dns, within the rdata's length: rdata that needs
// more is cut short, rdata that needs less leaves extra input.
func readRR(raw []byte, off int) (dns.RR, int, error) {
	name, off, err := readName(raw, off)
	if err != nil {
		return nil, off, err
	}
	if off+10 > len(raw) {
		return nil, off, errWireEnd
	}
	h := dns.RR_Header{Name: name, Rrtype: binary.BigEndian.Uint16(raw[off:]), Class: binary.BigEndian.Uint16(raw[off+2:]),
		Ttl: binary.BigEndian.Uint32(raw[off+4:]), Rdlength: binary.BigEndian.Uint16(raw[off+8:])}
	off += 10
	end := off + int(h.Rdlength)
	if end > len(raw) {
		return nil, off, errWireEnd
	}
	rr, _, err := dns.UnpackRRWithHeader(h, raw[:end], off)
	switch {
	case err != nil && strings.Contains(err.Error(), "bad rdlength"):
		return nil, off, errWireExtra
	case err != nil:
		return nil, off, errWireEnd
	}
	return rr, end, nil
}

// readName checks the name at off as BIND's dns_name_fromwire does
// (compression pointers only backwards, each before the last; labels of
// the two kinds RFC 1035 defines; at most 255 bytes), then reads it with
// miekg/dns for its text; off is where the name ends in the message.
func readName(raw []byte, off int) (string, int, error) {
	start, cur, end := off, off, -1
	biggest, hops, length := off, 0, 0
	for {
		if cur >= len(raw) {
			return "", off, errWireEnd
		}
		c := int(raw[cur])
		switch c & 0xc0 {
		case 0x00:
			length += c + 1
			if length > 255 {
				return "", off, errWireLong
			}
			if cur+1+c > len(raw) {
				return "", off, errWireEnd
			}
			cur += 1 + c
			if c != 0 {
				continue
			}
			if end < 0 {
				end = cur
			}
			name, _, err := dns.UnpackDomainName(raw, start)
			if err != nil {
				return "", off, errWireLabel
			}
			return name, end, nil
		case 0xc0:
			if cur+1 >= len(raw) {
				return "", off, errWireEnd
			}
			ptr := int(binary.BigEndian.Uint16(raw[cur:]) & 0x3fff)
			if ptr >= biggest {
				return "", off, errWirePointer
			}
			if hops++; hops > 16 {
				return "", off, errWireHops
			}
			if end < 0 {
				end = cur + 2
			}
			biggest, cur = ptr, ptr
		default:
			return "", off, errWireLabel
		}
	}
}

// hexDump is dig's dump of a message it could not parse: its size, then
// sixteen bytes a line in hex and as characters ('!' to '}', '.' for the
// rest).
func hexDump(raw []byte) []string {
	out := []string{fmt.Sprintf("%d bytes", len(raw))}
	for i := 0; i < len(raw); i += 16 {
		row := raw[i:min(i+16, len(raw))]
		var hx, ch strings.Builder
		for _, b := range row {
			fmt.Fprintf(&hx, "%02x ", b)
			if b >= '!' && b <= '}' {
				ch.WriteByte(b)
			} else {
				ch.WriteByte('.')
			}
		}
		out = append(out, fmt.Sprintf("%-48s         %s", hx.String(), ch.String()))
	}
	return out
}

// badPacket is an answer to a stub's query that does not parse, as BIND
// reads it: its bytes, what could be read of them, and when it came.
type badPacket struct {
	raw  []byte
	read wireRead
	rtt  time.Duration
}

func (b *badPacket) Error() string { return "malformed answer: " + b.read.err.Error() }

// newBadPacket is raw, read as w, as a badPacket; it keeps a copy of
// raw.
func newBadPacket(raw []byte, w wireRead, sent time.Time) *badPacket {
	return &badPacket{raw: append([]byte(nil), raw...), read: w, rtt: time.Since(sent)}
}
