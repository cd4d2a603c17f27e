package gping

import "testing"

// TestOptionsText: ping's words for the options of a reply's header, from
// ping -R's output on loopback and through the lab's routers.
func TestOptionsText(t *testing.T) {
	full := append([]byte{7, 39, 40}, make([]byte, 36)...)
	for i := 3; i < 39; i += 4 {
		full[i], full[i+3] = 198, byte(i/4+1)
	}
	tests := []struct {
		name string
		opts []byte
		last []byte
		want string
	}{
		{"none", nil, nil, ""},
		{"two slots", []byte{7, 11, 12, 127, 0, 0, 1, 127, 0, 0, 2, 0}, nil, "\nRR: \t127.0.0.1\n\t127.0.0.2\n\n"},
		{"same route", []byte{7, 11, 12, 127, 0, 0, 1, 127, 0, 0, 2, 0}, []byte{127, 0, 0, 1, 127, 0, 0, 2}, "\t(same route)"},
		{"empty", []byte{7, 39, 4}, nil, ""},
		{"full: nine", full, nil, "\nRR: \t198.0.0.1\n\t198.0.0.2\n\t198.0.0.3\n\t198.0.0.4\n\t198.0.0.5\n\t198.0.0.6\n\t198.0.0.7\n\t198.0.0.8\n\t198.0.0.9\n\n"},
		{"nop and unknown", []byte{1, 0x94, 4, 5, 0}, nil, "\nNOP\nunknown option 94"},
		{"truncated", []byte{7, 39, 8, 1}, nil, ""},
		// ping -T tsonly -c1 127.0.0.1: four stamps, the same millisecond.
		{"tsonly", pad([]byte{68, 40, 21, 0, 3, 43, 237, 28, 3, 43, 237, 28, 3, 43, 237, 28, 3, 43, 237, 28}, 40), nil,
			"\nTS: \t53210396 absolute\n\t0\n\t0\n\t0\n\n"},
		{"tsandaddr", pad([]byte{68, 36, 21, 1, 127, 0, 0, 1, 3, 43, 237, 28, 127, 0, 0, 1, 3, 43, 237, 30}, 36), nil,
			"\nTS: \t127.0.0.1\t53210396 absolute\n\t127.0.0.1\t2\n\n"},
		{"not standard, overflow", []byte{68, 12, 13, 0x20, 0x80, 0, 0, 5, 0x80, 0, 0, 9}, nil,
			"\nTS: \t5 absolute not-standard\n\t4 not-standard\nUnrecorded hops: 2\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			last := tc.last
			if got := optionsText(tc.opts, &last); got != tc.want {
				t.Errorf("optionsText(% x) = %q, want %q", tc.opts, got, tc.want)
			}
		})
	}
}

// pad fills an option out to its length with empty slots.
func pad(o []byte, n int) []byte { return append(o, make([]byte, n-len(o))...) }
