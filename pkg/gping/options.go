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
		if o[0] != optRecordRoute {
			fmt.Fprintf(&b, "\nunknown option %x", o[0])
			continue
		}
		b.WriteString(routeText(o, last))
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
