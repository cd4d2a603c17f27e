package icmpx

import (
	"crypto/rand"
	"net/netip"

	"gnetutils/pkg/netroute"
)

// Matching: an answer counts only if it is about a probe this Conn sent.
// The identifier alone does not show it: it is 16 bits, chosen at random
// by raw sockets (where every process sees every reply) and by the kernel
// for datagram sockets, and an off-path spoofer who guesses it, or
// another process that drew the same one, could otherwise feed us replies
// and errors. So each Conn puts a random cookie in every probe's payload,
// and an answer must carry it back: a reply its data, an error its quote.
// An error must also quote our source and destination, a sequence number
// sent and not yet ended, and as much of that probe's payload as the
// router kept.

// CookieLen is the size of the cookie Send writes into each payload.
const CookieLen = 8

// maxCookieAt is the furthest Config.CookieAt may put the cookie: after
// ping's 16-byte timestamp, within the bytes the probe table keeps.
const maxCookieAt = 16

// newCookie draws the Conn's cookie. crypto/rand: what it guards against is
// someone guessing it.
func newCookie() [CookieLen]byte {
	var b [CookieLen]byte
	_, _ = rand.Read(b[:]) // never fails on Linux (getrandom)
	return b
}

// cookieSpan is where the cookie goes in a payload of n bytes: at
// cookieAt, cut short by the payload's end (none at all if it ends before).
func (c *Conn) cookieSpan(n int) (from, to int) {
	return min(c.cookieAt, n), min(c.cookieAt+CookieLen, n)
}

// putCookie writes the cookie into payload (the echo request's own copy).
func (c *Conn) putCookie(payload []byte) {
	from, to := c.cookieSpan(len(payload))
	copy(payload[from:to], c.cookie[:])
}

// hasCookie reports whether data, a reply's payload, carries our cookie
// where a probe of its length would.
func (c *Conn) hasCookie(data []byte) bool {
	from, to := c.cookieSpan(len(data))
	return string(data[from:to]) == string(c.cookie[:to-from])
}

// matchReply finds the probe a reply answers and fills in what it tells:
// duplicate, corrupted, when it left, the RTT. ok false: the reply is not
// to a probe of ours (a sequence number never sent, another cookie).
func (c *Conn) matchReply(ev *Event, data []byte) (ok bool) {
	if !c.hasCookie(data) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.probes.get(ev.Seq)
	if p == nil {
		return false
	}
	p.replies++
	ev.Dup = p.replies > 1
	ev.Corrupt = !p.carried(data, c.seed)
	ev.Sent = p.at
	ev.RTT = max(ev.At.Sub(p.at), 0)
	return true
}

// matchError finds the probe an error is about from the payload it quotes
// and fills in when it left and the RTT. ok false: no probe of ours that
// is still outstanding left with that payload. A reply or an error that
// ends a probe ends it for later errors too: one probe gets one error
// (redirects and source quench aside, which do not end it).
func (c *Conn) matchError(ev *Event, quoted []byte) (ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.probes.get(ev.Seq)
	if p == nil || p.ended || p.replies > 0 || !p.quoted(quoted, c.seed) {
		return false
	}
	p.ended = ev.Kind != OtherError
	ev.Sent = p.at
	ev.RTT = max(ev.At.Sub(p.at), 0)
	return true
}

// quotesUs reports whether an error's quoted IP header is of a packet we
// sent: to our destination, and from our source where we know it.
func (c *Conn) quotesUs(q *Quote) bool {
	return q.Dst.Unmap() == c.dst && (!c.src.IsValid() || q.Src.Unmap() == c.src)
}

// ourSource is the source address our probes leave with, for quotesUs to
// check: the bound one, or the routing table's choice (netroute). Unknown
// (no check) with a device bound, whose routes the table may not show.
func ourSource(cfg Config, dst netip.Addr) netip.Addr {
	if cfg.Src.IsValid() {
		return cfg.Src.Unmap()
	}
	if cfg.Device != "" {
		return netip.Addr{}
	}
	src, err := netroute.Source(dst, netip.Addr{})
	if err != nil {
		return netip.Addr{}
	}
	return src
}
