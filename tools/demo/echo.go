package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	register(60, "gudpecho / gtcpecho: echo servers on h2 with 2 SO_REUSEPORT shards, used from h1 by their client and load modes and by socat", func(l *netlab.Lab) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 1})
		if err != nil {
			return err
		}
		for _, tool := range []string{"gudpecho", "gtcpecho"} {
			fmt.Printf("[h2]$ %s -p 7 -w 2 &\n", tool)
			var out bytes.Buffer
			srv := c.H2.Command(context.Background(), labrun.Tool(tool), "-p", "7", "-w", "2")
			srv.Stdout, srv.Stderr = &out, &out
			if err := c.H2.Start(srv); err != nil {
				return err
			}
			time.Sleep(300 * time.Millisecond)
			addr := c.H2Addr4() + ":7"
			proto := "UDP"
			if tool == "gtcpecho" {
				proto = "TCP"
			}
			fmt.Printf("[h1]$ printf 'hello\\nworld\\n' | %s --client %s\n", tool, addr)
			r := c.H1.Command(context.Background(), "sh", "-c", "printf 'hello\\nworld\\n' | "+labrun.Tool(tool)+" --client "+addr)
			o, _ := r.CombinedOutput()
			fmt.Printf("%s\n", o)
			fmt.Printf("[h1]$ echo hi | socat - %s:%s\n", proto, addr)
			r = c.H1.Command(context.Background(), "sh", "-c", "echo hi | socat -t 1 - "+proto+":"+addr)
			o, _ = r.CombinedOutput()
			fmt.Printf("%s\n", o)
			labrun.Show(os.Stdout, c.H1, 30*time.Second, tool, "--bench", addr, "-c", "32", "-d", "2s")
			_ = srv.Process.Signal(syscall.SIGTERM)
			_ = srv.Wait()
			fmt.Printf("[h2] %s printed at SIGTERM:\n%s\n", tool, strings.TrimRight(out.String(), "\n"))
			fmt.Println()
		}
		return nil
	})
}
