package gpmtud

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// simPath is a path of links with MTUs: links[0] leaves the source, node
// i+1 sits after links[i], the last node is the destination. A router that
// drops its frag-needed is a black hole; noMTU routers send frag-needed
// without a next-hop MTU (pre-RFC 1191).
type simPath struct {
	links     []int
	blackHole map[int]bool // router before link i drops its frag-needed
	noMTU     map[int]bool
	names     map[int]int  // router before link i names this MTU, not the link's
	lose      map[int]bool // probe numbers (1-based) lost on the way
	dead      bool
	sent      int
}

func nodeAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(i), 1}) }

func (s *simPath) probe(_ context.Context, ttl, size int, _ time.Duration) (outcome, error) {
	s.sent++
	o := outcome{size: size, ttl: ttl, rtt: time.Millisecond, res: resLost}
	if s.lose[s.sent] || s.dead {
		return o, nil
	}
	for i, mtu := range s.links {
		if size > mtu {
			switch {
			case i == 0:
				o.res, o.mtu = resLocal, mtu
			case s.blackHole[i]:
				o.res = resLost
			default:
				o.res, o.from, o.mtu = resTooBig, nodeAddr(i), mtu
				if s.noMTU[i] {
					o.mtu = 0
				}
				if m, ok := s.names[i]; ok {
					o.mtu = m
				}
			}
			return o, nil
		}
		if i+1 < len(s.links) && ttl == i+1 {
			o.res, o.from = resHop, nodeAddr(i+1)
			return o, nil
		}
	}
	o.res, o.from = resThrough, nodeAddr(len(s.links))
	return o, nil
}

func testConfig(start, floor int) searchConfig {
	return searchConfig{start: start, floor: floor, retries: 2, wait: time.Second, maxProbes: 200, deadline: time.Minute}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name      string
		path      simPath
		want      int
		learned   string
		blackHole bool
		maxProbes int
		err       error
	}{
		{name: "flat", path: simPath{links: []int{1500, 1500}}, want: 1500, learned: "probing", maxProbes: 1},
		{name: "icmp steps", path: simPath{links: []int{1500, 1400, 1300, 1500}}, want: 1300, learned: "icmp", maxProbes: 3},
		{name: "local MTU below start", path: simPath{links: []int{1400, 1500}}, want: 1400, learned: "probing", maxProbes: 2},
		{name: "black hole", path: simPath{links: []int{1500, 1400, 1300, 1500}, blackHole: map[int]bool{2: true}}, want: 1300, learned: "probing", blackHole: true, maxProbes: 40},
		{name: "black hole then icmp", path: simPath{links: []int{1500, 1400, 1300, 1500}, blackHole: map[int]bool{1: true}}, want: 1300, learned: "icmp", blackHole: true, maxProbes: 40},
		{name: "frag needed without MTU", path: simPath{links: []int{1500, 1492, 1500}, noMTU: map[int]bool{1: true}}, want: 1492, learned: "probing", maxProbes: 5},
		{name: "odd MTU without MTU", path: simPath{links: []int{1500, 1234, 1500}, noMTU: map[int]bool{1: true}}, want: 1234, learned: "probing", maxProbes: 40},
		{name: "one lost probe", path: simPath{links: []int{1500, 1400, 1300, 1500}, lose: map[int]bool{3: true}}, want: 1300, learned: "icmp", maxProbes: 4},
		{name: "two lost probes", path: simPath{links: []int{1500, 1400, 1300, 1500}, lose: map[int]bool{3: true, 4: true}}, want: 1300, learned: "icmp", maxProbes: 5},
		{name: "dead", path: simPath{links: []int{1500, 1500}, dead: true}, err: errNoAnswer, maxProbes: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := search(context.Background(), &tc.path, testConfig(tc.path.links[0]+100*boolToInt(tc.name == "local MTU below start"), 68))
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				if tc.path.sent > tc.maxProbes {
					t.Errorf("%d probes before giving up, want at most %d", tc.path.sent, tc.maxProbes)
				}
				return
			}
			if res.pmtu != tc.want || res.learned != tc.learned || res.blackHole != tc.blackHole {
				t.Errorf("pmtu %d learned %s black hole %v; want %d %s %v", res.pmtu, res.learned, res.blackHole, tc.want, tc.learned, tc.blackHole)
			}
			if tc.path.sent > tc.maxProbes || res.probes != tc.path.sent {
				t.Errorf("%d probes sent (counted %d), want at most %d", tc.path.sent, res.probes, tc.maxProbes)
			}
		})
	}
}

// TestSearchMTUBelowMinimum: a next-hop MTU below the family's minimum is
// taken as the minimum, with a note, as the kernel takes it.
func TestSearchMTUBelowMinimum(t *testing.T) {
	for _, tc := range []struct {
		name         string
		floor, named int
	}{{"IPv4 20", 68, 20}, {"IPv4 67", 68, 67}, {"IPv6 100", 1280, 100}, {"IPv6 1279", 1280, 1279}} {
		t.Run(tc.name, func(t *testing.T) {
			p := &simPath{links: []int{1500, 1400, 1500}, names: map[int]int{1: tc.named}}
			cfg := testConfig(1500, tc.floor)
			var notes []outcome
			cfg.note = func(o outcome) { notes = append(notes, o) }
			res, err := search(context.Background(), p, cfg)
			if err != nil || res.pmtu != tc.floor || res.learned != "icmp" {
				t.Errorf("pmtu %d (%s), error %v; want %d (icmp)", res.pmtu, res.learned, err, tc.floor)
			}
			if len(notes) != 1 || notes[0].named != tc.named || notes[0].mtu != tc.floor {
				t.Errorf("notes %+v, want one of MTU %d taken as %d", notes, tc.named, tc.floor)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSearchBudget(t *testing.T) {
	p := &simPath{links: []int{1500, 1400, 1300, 1500}, blackHole: map[int]bool{2: true}}
	cfg := testConfig(1500, 68)
	cfg.maxProbes = 5
	res, err := search(context.Background(), p, cfg)
	if !errors.Is(err, errBudget) || p.sent > 5 {
		t.Errorf("error %v after %d probes, want the budget error after at most 5", err, p.sent)
	}
	if res.pmtu != 68 {
		t.Errorf("answer so far %d, want the floor that got through", res.pmtu)
	}
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name  string
		path  simPath
		want  []string
		pmtu  int
		bhHop int
		reach bool
	}{
		{"icmp", simPath{links: []int{1500, 1400, 1300, 1500}},
			[]string{"1 198.18.1.1", "2 198.18.1.1 pmtu 1400", "2 198.18.2.1", "3 198.18.2.1 pmtu 1300", "3 198.18.3.1", "4 198.18.4.1 reached"}, 1300, 0, true},
		{"black hole", simPath{links: []int{1500, 1400, 1300, 1500}, blackHole: map[int]bool{2: true}},
			[]string{"1 198.18.1.1", "2 198.18.1.1 pmtu 1400", "2 198.18.2.1", "3 198.18.3.1 pmtu 1300 black hole", "4 198.18.4.1 reached"}, 1300, 2, true},
		{"silent", simPath{links: []int{1500, 1500}, dead: true},
			[]string{"1 no reply", "2 no reply", "3 no reply"}, 1500, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := &prober{p: &tc.path, cfg: testConfig(tc.path.links[0], 68), started: time.Now()}
			var got []string
			wr, err := walk(context.Background(), pr, tc.path.links[0], 68, 3+boolToInt(tc.reach), func(h hopLine) {
				s := itoa(h.ttl)
				switch {
				case h.noReply:
					s += " no reply"
				default:
					s += " " + h.from.String()
					if h.pmtu > 0 {
						s += " pmtu " + itoa(h.pmtu)
					}
					if h.blackHole {
						s += " black hole"
					}
					if h.reached {
						s += " reached"
					}
				}
				got = append(got, s)
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines\n%v\nwant\n%v", got, tc.want)
			}
			if wr.pmtu != tc.pmtu || wr.blackHoleHop != tc.bhHop || wr.reached != tc.reach {
				t.Errorf("result %+v, want pmtu %d black hole after %d reached %v", wr, tc.pmtu, tc.bhHop, tc.reach)
			}
		})
	}
}
