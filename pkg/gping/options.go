package gping

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// IPv4 option types (RFC 791) that ping prints.
const (
	optEnd         = 0
	optNOP         = 1
	optRecordRoute = 7
	optTimestamp   = 68
	optMinOffset   = 4 // the pointer's first value: the first slot
)

// recordRouteOption is what ping -R puts in every probe's IP header: a
// NOP, then a record route option with room for 9 addresses, 40 bytes.
func recordRouteOption() []byte {
	opt := make([]byte, 40)
	opt[0], opt[1], opt[2], opt[3] = optNOP, optRecordRoute, 39, optMinOffset
	return opt
}

// optionsText is what ping prints after a reply line for the options of
// the reply's IP header (pr_options): the recorded route, a line per
// address, or "(same route)" when it is the last one again; last holds
// that last route.
func optionsText(opts []byte, last *[]byte) string {
	var b strings.Builder
	for i := 0; i < len(opts); {
		switch opts[i] {
		case optEnd:
			return b.String()
		case optNOP:
			b.WriteString("\nNOP")
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			return b.String()
		}
		o := opts[i : i+int(opts[i+1])]
		i += len(o)
		switch o[0] {
		case optRecordRoute:
			b.WriteString(routeText(o, last))
		case optTimestamp:
			b.WriteString(timestampText(o))
		default:
			fmt.Fprintf(&b, "\nunknown option %x", o[0])
		}
	}
	return b.String()
}

// routeText prints one record route option, as ping.
func routeText(o []byte, last *[]byte) string {
	if len(o) < 3 {
		return ""
	}
	n := min(int(o[2]), len(o)) - optMinOffset
	if n <= 0 {
		return ""
	}
	// As ping, a slot begun counts: a full option's pointer (40) is past
	// its length (39), and its ninth address is printed all the same.
	route := o[3:min(3+(n+3)/4*4, len(o))]
	if *last != nil && bytes.Equal(route, *last) {
		return "\t(same route)"
	}
	*last = append((*last)[:0], route...)
	var b strings.Builder
	b.WriteString("\nRR: ")
	for j := 0; j+4 <= len(route); j += 4 {
		fmt.Fprintf(&b, "\t%s\n", netip.AddrFrom4([4]byte(route[j:j+4])))
	}
	// ping ends the route with a newline of its own, and then the
	// line's: a blank line (Lines adds a newline only where none is).
	b.WriteString("\n")
	return b.String()
}

// The flags of -T (RFC 791's timestamp option), ping's words for them.
var timestampFlags = map[string]byte{"tsonly": 0, "tsandaddr": 1, "tsprespec": 3}

// timestampOption is what ping -T puts in every probe's IP header: room
// for nine stamps (tsonly) or four address and stamp pairs; tsprespec
// asks the hosts named in prespec, in order, for theirs.
func timestampOption(flag byte, prespec []netip.Addr) []byte {
	opt := make([]byte, 40)
	opt[0], opt[1], opt[2], opt[3] = optTimestamp, 36, 5, flag
	switch flag {
	case 0:
		opt[1] = 40
	case 3:
		opt[1] = byte(4 + 8*len(prespec))
		for i, a := range prespec {
			a4 := a.As4()
			copy(opt[4+8*i:], a4[:])
		}
	}
	return opt[:opt[1]]
}

// timestampText prints one timestamp option as ping does: the first
// stamp absolute (ms since midnight UTC), the others as differences, each
// after its address unless -T tsonly; a stamp with the high bit set is not
// standard.
func timestampText(o []byte) string {
	if len(o) < 4 {
		return ""
	}
	n := min(int(o[2]), len(o)) - 5
	if n <= 0 {
		return ""
	}
	flags := o[3]
	var b strings.Builder
	b.WriteString("\nTS: ")
	var std, nonstd uint32
	for p := o[4:]; len(p) >= 4; b.WriteString("\n") {
		if flags&0x0f != 0 {
			fmt.Fprintf(&b, "\t%s", netip.AddrFrom4([4]byte(p[:4])))
			p, n = p[4:], n-4
			if n <= 0 || len(p) < 4 {
				break
			}
		}
		stamp := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		p, n = p[4:], n-4
		b.WriteString(stampText(stamp, &std, &nonstd))
		if n <= 0 {
			break
		}
	}
	b.WriteString("\n")
	if flags&0xf0 != 0 {
		fmt.Fprintf(&b, "Unrecorded hops: %d\n", flags>>4)
	}
	b.WriteString("\n") // and then the line's own: a blank line, as ping's
	return b.String()
}

// stampText is one stamp: absolute if it is the first of its kind, else
// the difference from the last one.
func stampText(stamp uint32, std, nonstd *uint32) string {
	if stamp&0x80000000 != 0 {
		v := stamp & 0x7fffffff
		defer func() { *nonstd = v }()
		if *nonstd == 0 {
			return fmt.Sprintf("\t%d absolute not-standard", v)
		}
		return fmt.Sprintf("\t%d not-standard", int64(v)-int64(*nonstd))
	}
	defer func() { *std = stamp }()
	if *std == 0 {
		return fmt.Sprintf("\t%d absolute", stamp)
	}
	return fmt.Sprintf("\t%d", int64(stamp)-int64(*std))
}
