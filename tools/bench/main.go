// Command bench is `make bench`: each tool against its classic peer, in one
// run, in the lab, printing the figures and the ratio. Each tool adds its
// benchmarks in a file of this directory (see register). Benchmarks never
// fail on a timing; they report.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"gnetutils/pkg/netlab"
)

// row is one line of the final table: a measure for us and for the peer.
type row struct {
	Bench   string
	Measure string
	Ours    float64
	Peer    float64
	PeerCmd string
	Unit    string
	// HigherIsBetter decides how the ratio reads: ratio > 1 always means we win.
	HigherIsBetter bool
	Note           string
}

type bench struct {
	order int
	name  string
	run   func(l *netlab.Lab, report func(row)) error
}

var benches []bench

func register(order int, name string, run func(l *netlab.Lab, report func(row)) error) {
	benches = append(benches, bench{order, name, run})
}

func main() {
	only := flag.String("run", "", "run only the benchmarks whose name matches this regexp")
	flag.Parse()
	if why := netlab.Available(); why != "" {
		fmt.Fprintf(os.Stderr, "bench: %s\n", why)
		os.Exit(2)
	}
	re := regexp.MustCompile(*only)
	sort.SliceStable(benches, func(i, j int) bool { return benches[i].order < benches[j].order })
	var rows []row
	for _, b := range benches {
		if !re.MatchString(b.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s ...\n", b.name)
		l, err := netlab.New()
		if err == nil {
			err = b.run(l, func(r row) {
				r.Bench = b.name
				rows = append(rows, r)
				fmt.Fprintf(os.Stderr, "  %s: ours %.4g %s, %s %.4g %s %s\n", r.Measure, r.Ours, r.Unit, r.PeerCmd, r.Peer, r.Unit, r.Note)
			})
			l.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", b.name, err)
		}
	}
	printTable(rows)
}

// printTable prints a Markdown table, ready for BENCHMARKS.md.
func printTable(rows []row) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintln(w, "| benchmark\t| measure\t| gnetutils\t| peer\t| peer value\t| ratio (>1: ours better)\t| note\t|")
	fmt.Fprintln(w, "|---\t|---\t|---\t|---\t|---\t|---\t|---\t|")
	for _, r := range rows {
		ratio := "n/a"
		if r.Ours > 0 && r.Peer > 0 {
			x := r.Peer / r.Ours
			if r.HigherIsBetter {
				x = r.Ours / r.Peer
			}
			ratio = fmt.Sprintf("%.2fx", x)
		}
		fmt.Fprintf(w, "| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n", r.Bench, r.Measure, num(r.Ours, r.Unit), r.PeerCmd, num(r.Peer, r.Unit), ratio, strings.TrimSpace(r.Note))
	}
	w.Flush()
}

func num(v float64, unit string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4g %s", v, unit)
}
