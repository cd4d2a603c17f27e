package cmd_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The layers of docs/ARCHITECTURE.md, from the top: a package may import
// only from layers below its own (and, within a layer, as listed below).
var layers = []struct {
	name     string
	packages []string
}{
	{"tools", []string{"gping", "gtraceroute", "garp", "gdig", "gpmtud", "gtfo", "gudpecho", "gtcpecho"}},
	{"engines", []string{"probes", "icmpx", "udpprobe", "resolver", "echo"}},
	{"mechanisms", []string{"cli", "stats", "sockopt", "netroute", "kstat", "icmpkind", "queue", "outfile", "tui"}},
}

// labOnly may be imported by tests, tools/bench and tools/demo, never by
// what ships.
var labOnly = []string{"netlab", "labrun", "labflood", "dnstest", "cli/clitest", "icmpx/icmpxtest"}

// TestImportRule holds the code to the import rule: imports run downwards,
// a tool never imports another tool, and nothing that ships imports the
// lab. Within the engines, probes sits above icmpx and udpprobe, which it
// wraps; within the mechanisms, cli and the rest do not import each other
// except as allowed here.
func TestImportRule(t *testing.T) {
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l.packages {
			layerOf["gnetutils/pkg/"+p] = i
		}
	}
	within := map[string]bool{ // allowed imports inside one layer
		"gnetutils/pkg/gudpecho -> gnetutils/pkg/echo":   true, // not a layer crossing: echo is an engine
		"gnetutils/pkg/probes -> gnetutils/pkg/icmpx":    true,
		"gnetutils/pkg/probes -> gnetutils/pkg/udpprobe": true,
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "gnetutils/pkg/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		from, shipped := layerOf[pkg]
		for _, imp := range imports {
			for _, lab := range labOnly {
				if shipped && imp == "gnetutils/pkg/"+lab {
					t.Errorf("%s imports %s, which only tests and tools/ may use", pkg, imp)
				}
			}
			to, ok := layerOf[imp]
			if !shipped || !ok || within[pkg+" -> "+imp] {
				continue
			}
			switch {
			case to < from:
				t.Errorf("%s (%s) imports %s (%s): imports run downwards", pkg, layers[from].name, imp, layers[to].name)
			case to == from && from != len(layers)-1:
				t.Errorf("%s imports %s: within the %s, a package does not import another", pkg, imp, layers[from].name)
			}
		}
	}
}
