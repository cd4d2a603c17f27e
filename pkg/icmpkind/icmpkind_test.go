package icmpkind

import "testing"

func TestOf(t *testing.T) {
	tests := []struct {
		name      string
		v6        bool
		typ, code uint8
		want      Kind
	}{
		{"time exceeded", false, 11, 0, TimeExceeded},
		{"reassembly time exceeded", false, 11, 1, TimeExceeded},
		{"net unreachable", false, 3, 0, Unreachable},
		{"port unreachable", false, 3, 3, Unreachable},
		{"frag needed", false, 3, 4, FragNeeded},
		{"admin prohibited", false, 3, 13, Unreachable},
		{"parameter problem", false, 12, 0, ParamProblem},
		{"source quench", false, 4, 0, OtherError},
		{"redirect", false, 5, 1, OtherError},
		{"v6 no route", true, 1, 0, Unreachable},
		{"v6 port unreachable", true, 1, 4, Unreachable},
		{"v6 packet too big", true, 2, 0, FragNeeded},
		{"v6 time exceeded", true, 3, 0, TimeExceeded},
		{"v6 parameter problem", true, 4, 1, ParamProblem},
		{"v6 unknown error", true, 100, 0, OtherError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Of(tc.v6, tc.typ, tc.code); got != tc.want {
				t.Errorf("Of(v6=%v, %d, %d) = %v, want %v", tc.v6, tc.typ, tc.code, got, tc.want)
			}
		})
	}
}

// TestNames: the kinds' names are the tools' NDJSON vocabulary.
func TestNames(t *testing.T) {
	want := map[Kind]string{Reply: "reply", TimeExceeded: "time_exceeded", Unreachable: "unreachable", FragNeeded: "frag_needed",
		ParamProblem: "param_problem", OtherError: "other_error", LocalError: "local_error", Arrived: "arrived"}
	for k, name := range want {
		if k.String() != name {
			t.Errorf("%d: %q, want %q", int(k), k.String(), name)
		}
	}
}
