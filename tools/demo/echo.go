package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	registerChain(60, "gudpecho / gtcpecho: echo servers on h2 with 2 SO_REUSEPORT shards, used from h1 by their client and load modes and by socat", netlab.ChainConfig{Routers: 1}, func(c *netlab.Chain) error {
		for _, tool := range []string{"gudpecho", "gtcpecho"} {
			args := []string{"-p", "7", "-w", "2"}
			if tool == "gudpecho" {
				args = append(args, "--rate", "0") // --bench below is one source at full speed
			}
			srv, err := serve(c.H2, append([]string{tool}, args...)...)
			if err != nil {
				return err
			}
			addr := c.H2Addr4() + ":7"
			proto := "UDP"
			if tool == "gtcpecho" {
				proto = "TCP"
			}
			pipe(c.H1, "printf 'hello\\nworld\\n' | "+tool+" --client "+addr, "printf 'hello\\nworld\\n' | "+labrun.Tool(tool)+" --client "+addr)
			pipe(c.H1, "echo hi | socat - "+proto+":"+addr, "echo hi | socat -t 1 - "+proto+":"+addr)
			shower(c.H1, 30*time.Second)(tool, "--bench", addr, "-c", "32", "-d", "2s")
			out, _ := srv.Stop()
			fmt.Printf("[h2] %s printed at SIGTERM:\n%s\n", tool, strings.TrimRight(out, "\n"))
			fmt.Println()
		}
		return nil
	})
}

// pipe prints shown, a shell line as a reader would type it in ns, runs
// line (the same with the tools' paths and any option only the demo
// needs) through sh there, and prints what it wrote.
func pipe(ns *netlab.NS, shown, line string) {
	fmt.Printf("[%s]$ %s\n", ns.Short, shown)
	out, _ := ns.Command(context.Background(), "sh", "-c", line).CombinedOutput()
	fmt.Printf("%s\n", out)
}
