package icmpkind

import "testing"

// TestMark: every mark traceroute 2.1 prints, by family, type and code.
func TestMark(t *testing.T) {
	tests := []struct {
		name      string
		v6        bool
		typ, code uint8
		mtu       int
		want      string
	}{
		{"net unreachable", false, 3, 0, 0, "!N"},
		{"host unreachable", false, 3, 1, 0, "!H"},
		{"protocol unreachable", false, 3, 2, 0, "!P"},
		{"port unreachable", false, 3, 3, 0, ""},
		{"frag needed", false, 3, 4, 1400, "!F-1400"},
		{"frag needed without mtu", false, 3, 4, 0, "!F-0"},
		{"source route failed", false, 3, 5, 0, "!S"},
		{"network unknown", false, 3, 6, 0, "!N"},
		{"host unknown", false, 3, 7, 0, "!H"},
		{"source host isolated", false, 3, 8, 0, "!N"},
		{"network prohibited", false, 3, 9, 0, "!X"},
		{"host prohibited", false, 3, 10, 0, "!X"},
		{"network unreachable for tos", false, 3, 11, 0, "!N"},
		{"host unreachable for tos", false, 3, 12, 0, "!H"},
		{"admin prohibited", false, 3, 13, 0, "!X"},
		{"host precedence violation", false, 3, 14, 0, "!V"},
		{"precedence cutoff", false, 3, 15, 0, "!C"},
		{"unknown code", false, 3, 16, 0, "!<16>"},
		{"time exceeded", false, 11, 0, 0, ""},
		{"reassembly time exceeded", false, 11, 1, 0, "!<11-1>"},
		{"parameter problem", false, 12, 0, 0, "!<12-0>"},
		{"source quench", false, 4, 0, 0, "!<4-0>"},
		{"redirect", false, 5, 1, 0, "!<5-1>"},
		{"v6 no route", true, 1, 0, 0, "!N"},
		{"v6 admin prohibited", true, 1, 1, 0, "!X"},
		{"v6 beyond scope", true, 1, 2, 0, "!H"},
		{"v6 address unreachable", true, 1, 3, 0, "!H"},
		{"v6 port unreachable", true, 1, 4, 0, ""},
		{"v6 policy failed", true, 1, 5, 0, "!<5>"},
		{"v6 reject route", true, 1, 6, 0, "!<6>"},
		{"v6 packet too big", true, 2, 0, 1280, "!F-1280"},
		{"v6 time exceeded", true, 3, 0, 0, ""},
		{"v6 reassembly time exceeded", true, 3, 1, 0, "!<3-1>"},
		{"v6 parameter problem", true, 4, 1, 0, "!<4-1>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Mark(tc.v6, tc.typ, tc.code, tc.mtu); got != tc.want {
				t.Errorf("Mark(v6=%v, %d, %d, %d) = %q, want %q", tc.v6, tc.typ, tc.code, tc.mtu, got, tc.want)
			}
		})
	}
}
