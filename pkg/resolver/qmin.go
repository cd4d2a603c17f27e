package resolver

import "github.com/miekg/dns"

// RFC 9156 2.3's bounds on the minimised queries of one walk.
const (
	maxMinimiseCount = 10 // MAX_MINIMISE_COUNT: minimised queries at most
	minimiseOneLab   = 4  // MINIMISE_ONE_LAB: the first ones add one label each
)

// minimiser is QNAME minimisation's state in one walk down the tree (RFC
// 9156): how many labels below the current zone its servers are shown,
// how many minimised queries were sent, and whether the walk has fallen
// back to the whole name.
type minimiser struct {
	off   bool
	below int
	count int
}

func newMinimiser(on bool) *minimiser { return &minimiser{off: !on, below: 1} }

// ask is the question for the zone's servers: the name cut to the zone
// and the labels below it shown so far, type NS; the whole question once
// those are all its labels, MAX_MINIMISE_COUNT queries were minimised, or
// minimisation is off.
func (mz *minimiser) ask(zone, qname string, qtype uint16) (string, uint16) {
	n := dns.CountLabel(zone) + mz.below
	if mz.off || mz.count >= maxMinimiseCount || n >= dns.CountLabel(qname) {
		return qname, qtype
	}
	return lastLabels(qname, n), dns.TypeNS
}

// more: no zone cut where the zone's servers were asked; show them more
// next time: one label, and after MINIMISE_ONE_LAB queries as many as
// spread the labels left over the queries left.
func (mz *minimiser) more(zone, qname string) {
	mz.count++
	left := maxMinimiseCount - mz.count
	if mz.count < minimiseOneLab || left <= 0 {
		mz.below++
		return
	}
	rest := dns.CountLabel(qname) - dns.CountLabel(zone) - mz.below
	mz.below += max(1, (rest+left-1)/left)
}

// cut: a referral to a zone below; show its servers one label below it.
func (mz *minimiser) cut(minimised bool) {
	if minimised {
		mz.count++
	}
	mz.below = 1
}
