// Command demo is `make demo`: it builds a lab in network namespaces and runs
// each gnetutils tool there beside its classic peer, then tears the lab down.
// Each tool adds its own step in a file of this directory (see register).
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// step is one tool's part of the demo: it gets a fresh lab (closed after it)
// and prints what it runs.
type step struct {
	order int
	title string
	run   func(l *netlab.Lab) error
}

var steps []step

func register(order int, title string, run func(l *netlab.Lab) error) {
	steps = append(steps, step{order, title, run})
}

// registerChain registers a step that runs on one chain, built from cfg.
func registerChain(order int, title string, cfg netlab.ChainConfig, run func(c *netlab.Chain) error) {
	register(order, title, func(l *netlab.Lab) error {
		c, err := l.NewChain(cfg)
		if err != nil {
			return err
		}
		return run(c)
	})
}

// shower returns a function that runs a command inside ns and shows it, as
// labrun.Show does on stdout, within timeout.
func shower(ns *netlab.NS, timeout time.Duration) func(argv ...string) {
	return func(argv ...string) { labrun.Show(os.Stdout, ns, timeout, argv...) }
}

// serve starts argv in the background inside ns, shown as typed with its
// "&" (labrun.Serve on stdout).
func serve(ns *netlab.NS, argv ...string) (*labrun.Server, error) {
	return labrun.Serve(os.Stdout, ns, argv...)
}

func main() {
	only := flag.String("run", "", "run only the steps whose title matches this regexp (the lab step always runs)")
	flag.Parse()
	match, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: -run: %v\n", err)
		os.Exit(2)
	}
	if why := netlab.Available(); why != "" {
		fmt.Fprintf(os.Stderr, "demo: %s\n", why)
		os.Exit(2)
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].order < steps[j].order })
	failed := 0
	for _, s := range steps {
		if s.order != 0 && !match.MatchString(s.title) {
			continue
		}
		fmt.Printf("==== %s\n\n", s.title)
		l, err := netlab.New()
		if err == nil {
			err = s.run(l)
			l.Close()
		}
		if err != nil {
			fmt.Printf("demo step failed: %v\n\n", err)
			failed++
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func init() {
	registerChain(0, "the lab: h1 - r1 - r2 - r3 - h2, links of MTU 1500/1400/1300/1500, 5 ms one-way delay on the last link", netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1300, 1500}, Delay: []time.Duration{0, 0, 0, 5 * time.Millisecond}}, func(c *netlab.Chain) error {
		labrun.Show(os.Stdout, c.H1, 10*time.Second, "ip", "-br", "addr")
		labrun.Show(os.Stdout, c.H1, 10*time.Second, "ping", "-c", "3", "-i", "0.2", c.H2Addr4())
		labrun.Show(os.Stdout, c.H1, 20*time.Second, "traceroute", "-n", "-q", "1", c.H2Addr6())
		labrun.Show(os.Stdout, c.H1, 20*time.Second, "tracepath", "-n", c.H2Addr4())
		return nil
	})
}
