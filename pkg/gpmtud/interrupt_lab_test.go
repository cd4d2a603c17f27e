package gpmtud

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabInterruptJSON interrupts the real binary's search on a path with
// a PMTU black hole (it waits there for answers that never come): with
// --json its last line is still the summary, marked interrupted, with the
// largest size through so far (as stderr says it); within a second of SIGINT, exit status 1.
func TestLabInterruptJSON(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, MTU: []int{1500, 1400}, NoICMPRateLimit: true})
	if err := c.Routers[0].DropFragNeeded(); err != nil {
		t.Fatal(err)
	}
	bin := netlab.Binary(t, "gpmtud")
	for _, method := range [][]string{nil, {"-I"}} {
		argv := append(append([]string{bin, "--json"}, method...), c.H2Addr4())
		r := labflood.RunTool(t, c.H1, 3500*time.Millisecond, 15*time.Second, argv...)
		lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
		var last map[string]any
		err := json.Unmarshal([]byte(lines[len(lines)-1]), &last)
		t.Logf("%v: exit %d, %v after SIGINT\n%s%s", method, r.Code, r.AfterSIGINT.Round(time.Millisecond), r.Stdout, r.Stderr)
		if err != nil || last["type"] != "summary" || last["interrupted"] != true || last["reached"] != false {
			t.Errorf("%v: last line %q (%v), want the summary, interrupted", method, lines[len(lines)-1], err)
		}
		if want := fmt.Sprintf("largest size through so far: %v\n", last["pmtu"]); !strings.HasSuffix(r.Stderr, want) {
			t.Errorf("%v: pmtu %v in the summary, stderr %q: want the same largest size through", method, last["pmtu"], r.Stderr)
		}
		if r.Code != 1 || r.AfterSIGINT > time.Second || !strings.Contains(r.Stderr, "interrupted") {
			t.Errorf("%v: exit %d %v after SIGINT, stderr %q; want 1 within 1 s and the stderr line", method, r.Code, r.AfterSIGINT, r.Stderr)
		}
	}
}
