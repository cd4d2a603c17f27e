package gtraceroute

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabDontRoute: with -r a host behind routers cannot be reached
// (connect: Network is unreachable, status 1) and the first router, on
// the link, can: traceroute's output and status for both, every method.
func TestLabDontRoute(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	for _, method := range []string{"-U", "-I", "-T"} {
		for _, dst := range []string{c.H2Addr4(), c.RouterAddr4(1), c.H2Addr6()} {
			args := []string{method, "-r", "-n", "-q", "1", dst}
			cmd := c.H1.Command(context.Background(), "traceroute", args...)
			var wantOut, wantErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
			_ = cmd.Run()
			wantCode := cmd.ProcessState.ExitCode()
			// traceroute ends its header line on stderr before the error.
			want := ""
			if e := strings.TrimSpace(wantErr.String()); e != "" {
				want = "gtraceroute: " + e + "\n"
			}
			out, errOut, code, _ := gtraceroute(t, c.H1, args...)
			if code != wantCode || normalize(strings.TrimSpace(out)) != normalize(strings.TrimSpace(wantOut.String())) || errOut != want {
				t.Errorf("%v: exit %d\n%s%s--- traceroute: exit %d\n%s%s", args, code, out, errOut, wantCode, wantOut.String(), want)
			}
		}
	}
}
