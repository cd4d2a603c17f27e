package icmpx

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
)

// IPv6 Node Information Queries (RFC 4620, experimental): instead of an
// echo request, ping -N sends an NI Query (ICMPv6 type 139) that asks a
// node for its names or addresses; the node answers with an NI Reply (type
// 140) that carries the query's Qtype and nonce back. Linux does not answer
// them: the lab's responder is icmpxtest.NodeInfoResponder.
//
//	 0               1               2               3
//	+---------------+---------------+-------------------------------+
//	| Type          | Code          | Checksum                      |
//	+---------------+---------------+-------------------------------+
//	| Qtype                         | Flags                         |
//	+-------------------------------+-------------------------------+
//	| Nonce (8 bytes)                                               |
//	+---------------------------------------------------------------+
//	| Data: the query's Subject, the reply's answer                 |

// ICMPv6 types of RFC 4620's messages.
const (
	NIQueryType = 139
	NIReplyType = 140
)

// NIHeaderLen is the bytes of an NI message before its Data.
const NIHeaderLen = 16

// NonceLen is the size of an NI message's nonce.
const NonceLen = 8

// Qtypes (RFC 4620 section 6): what a query asks for.
const (
	QtypeNOOP = 0
	QtypeName = 2 // the node's DNS names
	QtypeIPv6 = 3 // its IPv6 addresses
	QtypeIPv4 = 4 // its IPv4 addresses
)

// A query's Code says what its Subject is (section 4).
const (
	SubjectIPv6 = 0 // an IPv6 address, 16 bytes
	SubjectName = 1 // a DNS name
	SubjectIPv4 = 2 // an IPv4 address, 4 bytes
)

// A reply's Code.
const (
	NISuccess      = 0
	NIRefused      = 1 // the node will not say
	NIUnknownQtype = 2 // the node does not know the Qtype
)

// Flags of the address Qtypes (sections 6.3 and 6.4), as ping -N sets them.
const (
	NIFlagTruncated = 1 << 0 // a reply's: more addresses than it holds
	NIFlagAll       = 1 << 1 // every interface's, not only the one asked on
	NIFlagCompat    = 1 << 2 // IPv4-compatible and -mapped IPv6 addresses
	NIFlagLinkLocal = 1 << 3
	NIFlagSiteLocal = 1 << 4
	NIFlagGlobal    = 1 << 5
)

// NodeInfo is one NI message, query or reply.
type NodeInfo struct {
	Type, Code   uint8
	Qtype, Flags uint16
	Nonce        [NonceLen]byte
	Data         []byte // a query's Subject, a reply's answer
}

// NIQuery is what Config.NodeInfo asks: Send then sends NI Queries with
// it instead of echo requests, each with its own nonce.
type NIQuery struct {
	Qtype, Flags uint16
	// SubjectCode says what Subject is (SubjectIPv6 ...). A nil Subject
	// is the destination's address, as ping's when no subject- is given.
	SubjectCode uint8
	Subject     []byte
}

// Errors of the NI parsers.
var (
	ErrNIShort     = errors.New("icmpx: NI message too short")
	ErrNITruncated = errors.New("icmpx: NI data truncated")
)

// ParseNodeInfo decodes an NI Query or Reply from its ICMPv6 header on.
// Data aliases b.
func ParseNodeInfo(b []byte) (NodeInfo, error) {
	if len(b) < NIHeaderLen {
		return NodeInfo{}, ErrNIShort
	}
	if b[0] != NIQueryType && b[0] != NIReplyType {
		return NodeInfo{}, errors.New("icmpx: not an NI message")
	}
	m := NodeInfo{Type: b[0], Code: b[1], Qtype: binary.BigEndian.Uint16(b[4:]), Flags: binary.BigEndian.Uint16(b[6:]), Data: b[NIHeaderLen:]}
	copy(m.Nonce[:], b[8:NIHeaderLen])
	return m, nil
}

// Marshal encodes m with a zero checksum: on an ICMPv6 socket the kernel
// computes it, over the pseudo-header it alone knows.
func (m *NodeInfo) Marshal() []byte {
	b := make([]byte, NIHeaderLen, NIHeaderLen+len(m.Data))
	b[0], b[1] = m.Type, m.Code
	binary.BigEndian.PutUint16(b[4:], m.Qtype)
	binary.BigEndian.PutUint16(b[6:], m.Flags)
	copy(b[8:], m.Nonce[:])
	return append(b, m.Data...)
}

// NIName is one name of a Node Name reply.
type NIName struct {
	Name string // as ping prints it: DNS presentation format, no final dot
	FQDN bool   // fully qualified; else the name ended with two zero bytes
}

// String is the name as ping prints it, with the final dot of an FQDN.
func (n NIName) String() string {
	if n.FQDN {
		return n.Name + "."
	}
	return n.Name
}

// Names decodes a Node Name reply's data: a TTL, then names in DNS wire
// format, each ending with a zero byte, or two when it is not fully
// qualified (RFC 4620 section 6.3). It reads them as ping does (glibc's
// dn_expand, compression pointers counted from the TTL): on bad input it
// returns the names before it and ErrNITruncated, ErrNIShort without a TTL.
func (m *NodeInfo) Names() (ttl uint32, names []NIName, err error) {
	d := m.Data
	if len(d) < 4 {
		return 0, nil, ErrNIShort
	}
	ttl = binary.BigEndian.Uint32(d)
	for p := 4; p < len(d); {
		name, n, ok := expandName(d, p)
		if !ok {
			return ttl, names, ErrNITruncated
		}
		fqdn := p+n >= len(d) || d[p+n] != 0
		names = append(names, NIName{Name: name, FQDN: fqdn})
		p += n
		if !fqdn {
			p++
		}
	}
	return ttl, names, nil
}

// NIAddr is one address of a Node Addresses reply, with how long (in
// seconds) the node holds it valid.
type NIAddr struct {
	TTL  uint32
	Addr netip.Addr
}

// Addrs decodes a Node Addresses reply's data: a TTL and an address (IPv6
// or IPv4, by Qtype) after another. Bytes left over too few for a whole one
// are ErrNITruncated, with the addresses before them.
func (m *NodeInfo) Addrs() ([]NIAddr, error) {
	size := 16
	switch m.Qtype {
	case QtypeIPv4:
		size = 4
	case QtypeIPv6:
	default:
		return nil, errors.New("icmpx: not an address Qtype")
	}
	var addrs []NIAddr
	for d := m.Data; len(d) > 0; d = d[4+size:] {
		if len(d) < 4+size {
			return addrs, ErrNITruncated
		}
		a, _ := netip.AddrFromSlice(d[4 : 4+size])
		addrs = append(addrs, NIAddr{TTL: binary.BigEndian.Uint32(d), Addr: a})
	}
	return addrs, nil
}

// maxWireName is the longest name in wire format (RFC 1035's 255 bytes,
// the final zero included), NS_MAXCDNAME.
const maxWireName = 255

// expandName reads the name at msg[p:], following compression pointers
// (offsets into msg), into presentation format: glibc's dn_expand, its
// checks and its escapes. n is the bytes the name takes at p.
func expandName(msg []byte, p int) (name string, n int, ok bool) {
	if p < 0 || p >= len(msg) {
		return "", 0, false
	}
	var b strings.Builder
	src, n, written, checked := p, -1, 0, 0
	for {
		if src >= len(msg) {
			return "", 0, false
		}
		l := int(msg[src])
		src++
		if l == 0 {
			break
		}
		switch l & 0xc0 {
		case 0:
			// Room for the label, its length byte and the final zero
			// within 255 bytes; the label within the message.
			if l+1 >= maxWireName-written || l >= len(msg)-src {
				return "", 0, false
			}
			checked += l + 1
			written += l + 1
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			writeLabel(&b, msg[src:src+l])
			src += l
		case 0xc0:
			if src >= len(msg) {
				return "", 0, false
			}
			if n < 0 {
				n = src - p + 1
			}
			target := (l&0x3f)<<8 | int(msg[src])
			if target >= len(msg) {
				return "", 0, false
			}
			src = target
			// Having looked at the whole message, a pointer is a loop.
			if checked += 2; checked >= len(msg) {
				return "", 0, false
			}
		default:
			return "", 0, false // 0x40 and 0x80: no such label types
		}
	}
	if n < 0 {
		n = src - p
	}
	// dn_expand makes the root's "." an empty name.
	return b.String(), n, true
}

// writeLabel writes a label as ns_name_ntop does: the characters special
// in zone files escaped with a backslash, the unprintable as \DDD.
func writeLabel(b *strings.Builder, label []byte) {
	for _, c := range label {
		switch {
		case strings.IndexByte(`".;\()@$`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c <= 0x20 || c >= 0x7f:
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
}

// errBadName is EncodeName's refusal: an empty or too long label, a bad
// escape, a name over 255 bytes.
var errBadName = errors.New("icmpx: bad DNS name")

// EncodeName is name, in presentation format (backslash escapes as
// ns_name_pton reads them), in DNS wire format: each label after its
// length, then a zero byte for the root. A final dot changes nothing:
// whether the name is fully qualified is the caller's to mark (a second
// zero byte, RFC 4620).
func EncodeName(name string) ([]byte, error) {
	var out []byte
	label := []byte{}
	flush := func() error {
		if len(label) > 63 {
			return errBadName
		}
		out = append(append(out, byte(len(label))), label...)
		label = label[:0]
		return nil
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+1 < len(name):
			i++
			c = name[i]
			if isDigit(c) {
				if i+2 >= len(name) || !isDigit(name[i+1]) || !isDigit(name[i+2]) {
					return nil, errBadName
				}
				v := int(c-'0')*100 + int(name[i+1]-'0')*10 + int(name[i+2]-'0')
				if v > 255 {
					return nil, errBadName
				}
				c, i = byte(v), i+2
			}
		case c == '\\':
			continue // a backslash that ends the name escapes nothing
		case c == '.':
			last := i == len(name)-1
			if len(label) == 0 && !(last && i == 0) || (!last && name[i+1] == '.') {
				return nil, errBadName // an empty label, but for the root's "."
			}
			if len(label) > 0 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			continue
		}
		label = append(label, c)
	}
	if len(label) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	out = append(out, 0)
	if len(out) > maxWireName {
		return nil, errBadName
	}
	return out, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// nonce is the NI nonce of probe seq: the sequence number, then 6 bytes of
// a hash of it keyed with the Conn's cookie, so a reply's nonce shows which
// probe it answers and that it saw the query (ping keys an MD5 hash with
// its start time and pid the same way).
func (c *Conn) nonce(seq uint16) [NonceLen]byte {
	var in [CookieLen + 2]byte
	copy(in[:], c.cookie[:])
	binary.BigEndian.PutUint16(in[CookieLen:], seq)
	sum := sha256.Sum256(in[:])
	var n [NonceLen]byte
	binary.BigEndian.PutUint16(n[:], seq)
	copy(n[2:], sum[:])
	return n
}

// niQuery builds the NI Query of probe seq in the Conn's send buffer
// (sendMu held).
func (c *Conn) niQuery(seq uint16) []byte {
	m := NodeInfo{Type: NIQueryType, Code: c.ni.SubjectCode, Qtype: c.ni.Qtype, Flags: c.ni.Flags, Nonce: c.nonce(seq), Data: c.ni.Subject}
	if m.Data == nil {
		a := c.dst.As16()
		m.Code, m.Data = SubjectIPv6, a[:]
	}
	c.out = append(c.out[:0], m.Marshal()...)
	return c.out
}

// fromNIReply turns an NI Reply into an event if its nonce is one of ours:
// the nonce alone matches it, as ping matches it (a reply to a multicast
// query comes from every node that answers).
func (c *Conn) fromNIReply(ev *Event, b []byte) bool {
	m, err := ParseNodeInfo(b)
	if err != nil || m.Type != NIReplyType {
		return false
	}
	seq := binary.BigEndian.Uint16(m.Nonce[:])
	if m.Nonce != c.nonce(seq) {
		return false
	}
	m.Data = append([]byte(nil), m.Data...) // b is the receive buffer, reused
	ev.Kind, ev.Seq, ev.Size, ev.NodeInfo = Reply, seq, len(b), &m
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.probes.get(seq)
	if p == nil {
		return false
	}
	p.replies++
	ev.Dup = p.replies > 1
	ev.Sent = p.at
	ev.RTT = max(ev.At.Sub(p.at), 0)
	return true
}
