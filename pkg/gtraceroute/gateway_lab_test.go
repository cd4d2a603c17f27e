package gtraceroute

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabGateway: -g r3's address routes the probes loosely through r3
// (IPv4 LSRR; the routers accept source routes here): -I and -T print
// traceroute's text; UDP shows what traceroute cannot match (see below). IPv6's type 0 routing
// header is refused by the kernel as it refuses traceroute's: the first
// line, "setsockopt IPV6_RTHDR: Invalid argument", status 1.
func TestLabGateway(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	for _, r := range c.Routers {
		if out, err := r.Exec("sh", "-c", "for f in /proc/sys/net/ipv4/conf/*/accept_source_route; do echo 1 >$f; done"); err != nil {
			t.Fatalf("accept_source_route: %v\n%s", err, out)
		}
	}
	gw := c.RouterAddr4(3)
	for _, method := range []string{"-I", "-T"} {
		args := []string{method, "-g", gw, "-n", "-m", "5", "-w", "1", "-q", "1", c.H2Addr4()}
		want, _ := traceroute(t, c.H1, args...)
		got, errOut, code, _ := gtraceroute(t, c.H1, args...)
		if code != 0 || normalize(got) != normalize(want) {
			t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", args, code, errOut, got, want)
		}
		t.Logf("%v:\n%s", args, got)
	}
	// UDP: traceroute matches none of the answers (they quote the
	// gateway as the destination); ours match by payload and show the
	// hops up to the gateway, in packets of traceroute's 72 bytes.
	args := []string{"-g", gw, "-n", "-m", "5", "-w", "1", "-q", "1", c.H2Addr4()}
	got, errOut, code, _ := gtraceroute(t, c.H1, args...)
	if code != 0 || !strings.Contains(got, "72 byte packets") || !strings.Contains(got, " 3  "+gw+"  ") {
		t.Errorf("%v: exit %d %s\n%s", args, code, errOut, got)
	}
	t.Logf("%v:\n%s", args, got)
	args = []string{"-g", c.RouterAddr6(3), "-n", c.H2Addr6()}
	cmd := c.H1.Command(context.Background(), "traceroute", args...)
	var wantOut, wantErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
	_ = cmd.Run()
	got, errOut, code, _ = gtraceroute(t, c.H1, args...)
	if code != cmd.ProcessState.ExitCode() || strings.TrimSpace(got) != strings.TrimSpace(wantOut.String()) || errOut != "gtraceroute: "+strings.TrimSpace(wantErr.String())+"\n" {
		t.Errorf("%v: exit %d %q %q; traceroute: exit %d %q %q", args, code, got, errOut, cmd.ProcessState.ExitCode(), wantOut.String(), wantErr.String())
	}
}
