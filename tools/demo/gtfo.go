package main

import (
	"fmt"
	"strings"
	"time"

	"gnetutils/pkg/netlab"
)

func init() {
	registerChain(70, "gtfo: TCP Fast Open, TCP_NODELAY and TCP_QUICKACK over a 20 ms RTT link (h1 client, h2 server), beside curl --tcp-fastopen", netlab.ChainConfig{Routers: 0, Delay: []time.Duration{10 * time.Millisecond}}, func(c *netlab.Chain) error {
		// TFO needs the client bit in h1 and the server bit in h2 (set inside
		// the lab's namespaces only).
		if err := c.H1.Sysctl("net.ipv4.tcp_fastopen", "1"); err != nil {
			return err
		}
		if err := c.H2.Sysctl("net.ipv4.tcp_fastopen", "3"); err != nil {
			return err
		}
		addr := c.H2Addr4() + ":8080"
		srv, err := serve(c.H2, "gtfo", "serve", "-l", addr)
		if err != nil {
			return err
		}
		show := shower(c.H1, 30*time.Second)
		show("gtfo", "get", addr, "-n", "3")
		show("gtfo", "get", addr, "-n", "2", "--no-tfo")
		for range 2 {
			shower(c.H1, 10*time.Second)("curl", "-s", "-o", "/dev/null", "--tcp-fastopen",
				"-w", `connect %{time_connect}s, first byte %{time_starttransfer}s\n`, "http://"+addr+"/")
		}
		shower(c.H1, 2*time.Minute)("gtfo", "compare", addr, "-n", "10")
		serverOut, err := srv.Stop()
		if err != nil {
			fmt.Printf("(gtfo serve: %v)\n", err)
		}
		// The server's first lines (gtfo get's and curl's connections) and its
		// summary; the compare run's connections in between are alike.
		lines := strings.Split(strings.TrimRight(serverOut, "\n"), "\n")
		fmt.Println("[h2] gtfo serve printed (one line per connection, then a summary at SIGTERM):")
		if len(lines) > 10 {
			fmt.Printf("%s\n... %d more connections ...\n%s\n\n", strings.Join(lines[:9], "\n"), len(lines)-10, lines[len(lines)-1])
		} else {
			fmt.Printf("%s\n\n", strings.Join(lines, "\n"))
		}
		return nil
	})
}
