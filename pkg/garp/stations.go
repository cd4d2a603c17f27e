package garp

import (
	"container/list"
	"net/netip"
	"time"
)

// maxStations bounds --watch's table: a flood of ARP from random senders
// must not grow it without bound. 65,536 stations are a /16 of hosts
// all talking at once, some 12 MiB.
const maxStations = 1 << 16

// station is what --watch knows of one address.
type station struct {
	ip   netip.Addr
	mac  string
	seen time.Time
	// again: heard more than once. A flood of random senders is heard
	// once each; the stations of the segment speak again and again.
	again bool
}

// stations is --watch's bounded table. When it is full the oldest
// station heard only once goes first, and only when there are none the
// station heard longest ago: a flood of new senders evicts other flood
// senders, not the segment's own stations, whose conflicts must still be
// seen. Each list runs from the most recently heard to the least.
type stations struct {
	max         int
	byIP        map[netip.Addr]*list.Element
	once, again list.List
}

func newStations(max int) *stations {
	return &stations{max: max, byIP: map[netip.Addr]*list.Element{}}
}

// get is what is known of ip.
func (s *stations) get(ip netip.Addr) (station, bool) {
	e, ok := s.byIP[ip]
	if !ok {
		return station{}, false
	}
	return *e.Value.(*station), true
}

// put records that ip was heard at mac, evicting a station if the table
// is full.
func (s *stations) put(ip netip.Addr, mac string, at time.Time) {
	if e, ok := s.byIP[ip]; ok {
		st := e.Value.(*station)
		st.mac, st.seen = mac, at
		if !st.again {
			st.again = true
			s.once.Remove(e)
			s.byIP[ip] = s.again.PushFront(st)
			return
		}
		s.again.MoveToFront(e)
		return
	}
	if len(s.byIP) >= s.max {
		oldest := s.once.Back()
		if oldest == nil {
			oldest = s.again.Back()
		}
		delete(s.byIP, oldest.Value.(*station).ip)
		if oldest.Value.(*station).again {
			s.again.Remove(oldest)
		} else {
			s.once.Remove(oldest)
		}
	}
	s.byIP[ip] = s.once.PushFront(&station{ip: ip, mac: mac, seen: at})
}

// len is how many stations the table holds.
func (s *stations) len() int { return len(s.byIP) }
