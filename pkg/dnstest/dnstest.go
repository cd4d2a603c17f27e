// Package dnstest is a misbehaving authoritative DNS server for tests: it
// serves zones from records as an authoritative server does, and can
// instead answer lame in each way the real DNS does (a referral up,
// sideways or to its own zone; an answer, NXDOMAIN or NODATA without AA;
// an error rcode; an empty NOERROR without SOA; the answer to another
// question), send junk datagrams before its answer, or drop the first
// queries for each name. Tests of pkg/resolver run it on 127.0.0.x; the
// lab tests of pkg/gdig run it inside a lab namespace (Listen opens its
// sockets in the caller's namespace, so call it from netlab's NS.Do).
package dnstest

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Lame is a way of answering lame; "" answers properly.
type Lame string

// The lame answers, as resolvers meet them on the internet.
const (
	Upward        Lame = "upward"        // a referral to the root
	Sideways      Lame = "sideways"      // a referral to test., beside the zone
	SameZone      Lame = "samezone"      // a referral to the zone it was asked as
	NoAA          Lame = "noaa"          // the right answer without AA (a recursive server)
	NoAANXDomain  Lame = "noaa-nxdomain" // NXDOMAIN without AA
	NoAANoData    Lame = "noaa-nodata"   // NODATA without AA
	Refused       Lame = "refused"
	ServFail      Lame = "servfail"
	NotImp        Lame = "notimp"
	NotAuth       Lame = "notauth"
	FormErr       Lame = "formerr"       // FORMERR, with EDNS or without
	EmptyNoError  Lame = "empty"         // NOERROR, AA, nothing in any section
	WrongQuestion Lame = "wrongquestion" // the answer to another name
)

// AllLame is every lame way, for tables of test cases.
var AllLame = []Lame{Upward, Sideways, SameZone, NoAA, NoAANXDomain, NoAANoData, Refused, ServFail, NotImp, NotAuth, FormErr, EmptyNoError, WrongQuestion}

var lameRcode = map[Lame]int{Refused: dns.RcodeRefused, ServFail: dns.RcodeServerFailure, NotImp: dns.RcodeNotImplemented,
	NotAuth: dns.RcodeNotAuth, FormErr: dns.RcodeFormatError}

// Behaviour is how the server answers one query.
type Behaviour struct {
	Lame Lame
	Junk int // junk datagrams sent before the answer (UDP)
	Drop int // queries for the same name and type dropped before one is answered
	// Poison slips records the server has no say over into a proper
	// answer (see poison).
	Poison bool
	// Uncompressed sends every name in full, as some servers do: the
	// answer's size is then not what packing the message again gives.
	Uncompressed bool
}

// Server is an authoritative server for the zones whose SOA its records
// hold; SetBehave chooses how it answers each query.
type Server struct {
	behave  func(qname string, qtype uint16) Behaviour
	rrs     []dns.RR
	queries atomic.Int64
	mu      sync.Mutex
	seen    map[string]int // queries per name/type, for Drop
	servers []*dns.Server
}

// New makes a server for records in zone-file syntax, absolute names.
func New(records ...string) (*Server, error) {
	s := &Server{seen: map[string]int{}}
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			return nil, err
		}
		s.rrs = append(s.rrs, rr)
	}
	return s, nil
}

// SetBehave makes f choose how to answer each query from now on (nil:
// properly); safe while the server runs.
func (s *Server) SetBehave(f func(qname string, qtype uint16) Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behave = f
}

// Queries is how many queries the server has received.
func (s *Server) Queries() int { return int(s.queries.Load()) }

// Listen serves on addr ("ip:port") over UDP and TCP, with sockets opened
// in the calling thread's network namespace.
func (s *Server) Listen(addr string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return err
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: l, Handler: s}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		s.mu.Lock()
		s.servers = append(s.servers, srv)
		s.mu.Unlock()
	}
	return nil
}

// Close stops every listener.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, srv := range s.servers {
		_ = srv.Shutdown()
	}
	s.servers = nil
}

// ServeDNS answers one query as its Behaviour says.
func (s *Server) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	s.queries.Add(1)
	if len(q.Question) != 1 {
		return
	}
	qn, qt := q.Question[0].Name, q.Question[0].Qtype
	var b Behaviour
	s.mu.Lock()
	behave := s.behave
	s.mu.Unlock()
	if behave != nil {
		b = behave(qn, qt)
	}
	if s.dropped(qn, qt, b.Drop) {
		return
	}
	if qt == dns.TypeAXFR && b.Lame == "" {
		s.transfer(w, q)
		return
	}
	m := s.answer(q)
	if b.Lame != "" {
		m = s.lame(q, m, b.Lame)
	}
	if b.Poison {
		s.poison(m)
	}
	cookie(q, m)
	m.Compress = !b.Uncompressed // as most real servers send their answers
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		for i := 0; i < b.Junk; i++ {
			_, _ = w.Write(junk(q, m, i))
		}
	}
	_ = w.WriteMsg(m)
}

// dropped counts the query and says whether it is one of the first n for
// its name and type.
func (s *Server) dropped(qn string, qt uint16, n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(qn) + "/" + dns.TypeToString[qt]
	s.seen[k]++
	return s.seen[k] <= n
}

// junk is the i-th junk datagram: bytes that are no DNS message, the
// answer under another ID, the answer to another question, in turn.
func junk(q, m *dns.Msg, i int) []byte {
	c := m.Copy()
	switch i % 3 {
	case 0:
		return []byte("\x00\x01junk, not DNS")
	case 1:
		c.Id = q.Id + 1
	default:
		c.Question[0].Name = "junk." + c.Question[0].Name
	}
	b, _ := c.Pack()
	return b
}

// cookie answers a query's client cookie as a server that knows RFC 7873
// does: the client cookie with a server cookie of its own, in an OPT.
func cookie(q, m *dns.Msg) {
	opt := q.IsEdns0()
	if opt == nil {
		return
	}
	for _, o := range opt.Option {
		if c, ok := o.(*dns.EDNS0_COOKIE); ok && len(c.Cookie) == 16 {
			if m.IsEdns0() == nil {
				m.SetEdns0(1232, false)
			}
			r := m.IsEdns0()
			r.Option = append(r.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: c.Cookie + "0102030405060708"})
		}
	}
}
