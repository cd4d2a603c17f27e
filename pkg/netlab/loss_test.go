package netlab

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestLossDropper: every N-th is exact, a share is near its share, and a
// seed gives the same datagrams lost each time.
func TestLossDropper(t *testing.T) {
	lostOf := func(l Loss, n int) []int {
		lose := l.dropper()
		var lost []int
		for i := 1; i <= n; i++ {
			if lose() {
				lost = append(lost, i)
			}
		}
		return lost
	}
	t.Run("every", func(t *testing.T) {
		lost := lostOf(Loss{Every: 4}, 100)
		if len(lost) != 25 || lost[0] != 4 || lost[24] != 100 {
			t.Errorf("every 4th of 100: lost %v", lost)
		}
	})
	t.Run("share", func(t *testing.T) {
		n := len(lostOf(Loss{Share: 0.2, Seed: 1}, 10000))
		if n < 1900 || n > 2100 {
			t.Errorf("20%% of 10000: lost %d", n)
		}
	})
	t.Run("seeded", func(t *testing.T) {
		a, b := lostOf(Loss{Share: 0.2, Seed: 7}, 1000), lostOf(Loss{Share: 0.2, Seed: 7}, 1000)
		c := lostOf(Loss{Share: 0.2, Seed: 8}, 1000)
		if !slices.Equal(a, b) {
			t.Error("the same seed lost different datagrams")
		}
		if slices.Equal(a, c) {
			t.Error("two seeds lost the same datagrams")
		}
		if x, y := (Loss{Share: 0.2, Seed: 7}).reseed(2), (Loss{Share: 0.2, Seed: 7}).reseed(3); x.Seed == y.Seed {
			t.Error("reseed gave two directions one seed")
		}
	})
	t.Run("both", func(t *testing.T) {
		n := len(lostOf(Loss{Every: 2, Share: 0.5, Seed: 3}, 10000))
		if n < 7300 || n > 7700 { // 1/2 + 1/2 × 1/2
			t.Errorf("every 2nd and 50%% of 10000: lost %d", n)
		}
	})
}

var pingCounts = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// pingLoss pings target count times, 10 ms apart, and returns the share of
// echo requests that got no reply.
func pingLoss(t *testing.T, ns *NS, target string, count int) float64 {
	t.Helper()
	out := run(t, ns, "ping", "-n", "-q", "-c", strconv.Itoa(count), "-i", "0.01", "-W", "1", target)
	m := pingCounts.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no packet counts from ping:\n%s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	got, _ := strconv.Atoi(m[2])
	return 1 - float64(got)/float64(sent)
}

// TestLabLossLink: a link that loses every 4th datagram one way loses a
// quarter of ping's echo requests exactly; one that loses a seeded 20% each
// way loses about 1-0.8² = 36% of the round trips, and the line's counters
// say 20% each way. ARP and neighbour discovery are never lost, so the
// first echo request is not delayed by them.
func TestLabLossLink(t *testing.T) {
	Need(t, "ping")
	t.Run("every4th", func(t *testing.T) {
		c := MustChain(t, ChainConfig{Routers: 0, LossEast: []Loss{{Every: 4}}})
		got := pingLoss(t, c.H1, c.H2Addr4(), 40)
		dl := c.Links[0].Delay
		lost, seen := dl.Lost[0].Load(), dl.Lost[0].Load()+dl.Passed[0].Load()
		t.Logf("line: lost %d/%d east, %d/%d west", lost, seen, dl.Lost[1].Load(), dl.Lost[1].Load()+dl.Passed[1].Load())
		// The line counts every IP datagram, the kernel's own IPv6
		// chatter (MLD, router solicitations) among ping's, so exactly a
		// quarter is of what it saw, and ping's share is about a quarter.
		if lost != seen/4 {
			t.Errorf("every 4th datagram towards h2: the line lost %d of %d", lost, seen)
		}
		if got < 0.2 || got > 0.3 {
			t.Errorf("every 4th datagram towards h2: ping lost %.0f%% of 40, want about 25%%", 100*got)
		}
		if dl.Lost[1].Load() != 0 {
			t.Errorf("%d datagrams lost towards h1, which loses nothing", dl.Lost[1].Load())
		}
	})
	t.Run("random20", func(t *testing.T) {
		c := MustChain(t, ChainConfig{Routers: 0, LossEast: []Loss{{Share: 0.2, Seed: 1}}, LossWest: []Loss{{Share: 0.2, Seed: 2}}})
		const n = 300
		got := pingLoss(t, c.H1, c.H2Addr6(), n)
		dl := c.Links[0].Delay
		for dir, name := range []string{"east", "west"} {
			lost, all := dl.Lost[dir].Load(), dl.Lost[dir].Load()+dl.Passed[dir].Load()
			share := float64(lost) / float64(all)
			t.Logf("%s: lost %d of %d datagrams (%.1f%%)", name, lost, all, 100*share)
			// 300 draws at 20%: a standard deviation of 2.3%; 3.5 of them.
			if share < 0.12 || share > 0.28 {
				t.Errorf("%s: the line lost %.1f%% of %d datagrams, want 20%%", name, 100*share, all)
			}
		}
		t.Logf("ping over IPv6: %.1f%% of %d round trips lost", 100*got, n)
		// 1 - 0.8² = 36%, a standard deviation of 2.8% over 300.
		if got < 0.26 || got > 0.46 {
			t.Errorf("ping lost %.1f%% of %d round trips, want about 36%%", 100*got, n)
		}
	})
}
