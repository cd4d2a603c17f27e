package icmpxtest

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/netlab"
	"gnetutils/pkg/sockopt"
)

// NodeInfoHost is what a lab node answers RFC 4620 Node Information
// Queries with (ping -N). The Linux kernel answers none, so the tests of
// ping -N need a NodeInfoResponder.
type NodeInfoHost struct {
	// Names are the node's DNS names: with a final dot fully qualified,
	// else partial (sent with two zero bytes at the end).
	Names   []string
	NameTTL uint32
	// Addrs are the node's addresses, IPv6 and IPv4, with their TTLs; in
	// this order they are the subjects it answers for and its answers.
	Addrs []icmpx.NIAddr
	// Refuse answers every query it would answer with code 1, refused.
	Refuse bool
	// Reply, if set, makes the node's reply to q what it returns (the
	// parsers' tests send malformed ones).
	Reply func(q, reply icmpx.NodeInfo) icmpx.NodeInfo
}

// Answer is the node's NI Reply to q, as RFC 4620 section 5 has a node
// process a query; ok false: no reply (a subject not the node's, a subject
// code it does not know). An unknown Qtype is answered with code 2.
func (h *NodeInfoHost) Answer(q icmpx.NodeInfo) (reply icmpx.NodeInfo, ok bool) {
	if q.Type != icmpx.NIQueryType || !h.isSubject(q) {
		return icmpx.NodeInfo{}, false
	}
	reply = icmpx.NodeInfo{Type: icmpx.NIReplyType, Code: icmpx.NISuccess, Qtype: q.Qtype, Flags: q.Flags &^ icmpx.NIFlagTruncated, Nonce: q.Nonce}
	switch {
	case h.Refuse:
		reply.Code = icmpx.NIRefused
	case q.Qtype == icmpx.QtypeNOOP:
	case q.Qtype == icmpx.QtypeName:
		reply.Data = binary.BigEndian.AppendUint32(nil, h.NameTTL)
		for _, name := range h.Names {
			wire, err := icmpx.EncodeName(name)
			if err != nil {
				continue
			}
			if !strings.HasSuffix(name, ".") {
				wire = append(wire, 0)
			}
			reply.Data = append(reply.Data, wire...)
		}
	case q.Qtype == icmpx.QtypeIPv6 || q.Qtype == icmpx.QtypeIPv4:
		for _, a := range h.Addrs {
			if a.Addr.Is4() == (q.Qtype == icmpx.QtypeIPv4) && (a.Addr.Is4() || asked(a.Addr, q.Flags)) {
				reply.Data = binary.BigEndian.AppendUint32(reply.Data, a.TTL)
				reply.Data = append(reply.Data, a.Addr.AsSlice()...)
			}
		}
	default:
		reply.Code = icmpx.NIUnknownQtype
	}
	if h.Reply != nil {
		reply = h.Reply(q, reply)
	}
	return reply, true
}

// asked says whether an IPv6 address is of a kind the query's flags ask
// for (section 6.3): compatible and mapped (C), link-local (L), site-local
// (S), global (G); the unspecified and loopback addresses never.
func asked(a netip.Addr, flags uint16) bool {
	b := a.As16()
	switch {
	case a.IsUnspecified() || a.IsLoopback():
		return false
	case a.Is4In6() || (bytes.Equal(b[:12], make([]byte, 12))):
		return flags&icmpx.NIFlagCompat != 0
	case a.IsLinkLocalUnicast():
		return flags&icmpx.NIFlagLinkLocal != 0
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0: // fec0::/10
		return flags&icmpx.NIFlagSiteLocal != 0
	}
	return flags&icmpx.NIFlagGlobal != 0
}

// isSubject says whether q's Subject is this node: one of its addresses,
// or one of its names (a partial name: the first labels of one).
func (h *NodeInfoHost) isSubject(q icmpx.NodeInfo) bool {
	switch q.Code {
	case icmpx.SubjectIPv6, icmpx.SubjectIPv4:
		for _, a := range h.Addrs {
			if bytes.Equal(a.Addr.AsSlice(), q.Data) && a.Addr.Is4() == (q.Code == icmpx.SubjectIPv4) {
				return true
			}
		}
	case icmpx.SubjectName:
		if q.Qtype == icmpx.QtypeNOOP {
			return true
		}
		for _, name := range h.Names {
			wire, err := icmpx.EncodeName(strings.ToLower(name))
			if err != nil {
				continue
			}
			subject := bytes.ToLower(q.Data)
			partial := bytes.HasSuffix(subject, []byte{0, 0})
			if bytes.Equal(subject, wire) || (partial && bytes.HasPrefix(wire, subject[:len(subject)-2])) {
				return true
			}
		}
	}
	return false
}

// NodeInfoResponder answers NI Queries in a lab namespace on a raw ICMPv6
// socket, as its NodeInfoHost says, and keeps the queries it got.
type NodeInfoResponder struct {
	host    NodeInfoHost
	fd      int
	mu      sync.Mutex
	queries []icmpx.NodeInfo
}

// ServeNodeInfo starts a responder in ns until the test ends.
func ServeNodeInfo(t testing.TB, ns *netlab.NS, host NodeInfoHost) *NodeInfoResponder {
	t.Helper()
	r := &NodeInfoResponder{host: host, fd: -1}
	if err := ns.Do(func() (err error) {
		r.fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := sockopt.SetICMPFilter(r.fd, true, icmpx.NIQueryType); err != nil {
		unix.Close(r.fd)
		t.Fatal(err)
	}
	readUntilCleanup(t, r.fd, r.answer)
	return r
}

// answer answers query b from `from`, if the node would, and keeps it.
func (r *NodeInfoResponder) answer(b []byte, from unix.Sockaddr) {
	q, err := icmpx.ParseNodeInfo(b)
	if err != nil {
		return
	}
	q.Data = append([]byte(nil), q.Data...)
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	if reply, ok := r.host.Answer(q); ok {
		_ = unix.Sendto(r.fd, reply.Marshal(), 0, from)
	}
}

// Queries are the queries the responder got, oldest first.
func (r *NodeInfoResponder) Queries() []icmpx.NodeInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]icmpx.NodeInfo(nil), r.queries...)
}

// Forget forgets the queries got so far.
func (r *NodeInfoResponder) Forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = nil
}
