// Command docgen writes every tool's man page and shell completions from
// the flag sets the tools themselves parse (cli.Describe), so neither can
// drift from --help:
//
//	go run ./tools/docgen -src man -man build/man -completion build/completion -version V -date D
//
// The hand-written parts of each page are man/<tool>.<section>.in; docgen
// fills in their @VERSION@ and @DATE@, and replaces the lines @SYNOPSIS@
// and @OPTIONS@ with sections generated from the tool's Command and flags.
// Completions go to <completion>/bash/<tool>, zsh/_<tool>, fish/<tool>.fish.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/garp"
	"gnetutils/pkg/gdig"
	"gnetutils/pkg/gping"
	"gnetutils/pkg/gpmtud"
	"gnetutils/pkg/gtcpecho"
	"gnetutils/pkg/gtfo"
	"gnetutils/pkg/gtraceroute"
	"gnetutils/pkg/gudpecho"
)

// tool is one binary: its Run and its man page's section, the section its
// classic peer's page has (ping(8), dig(1), ...).
type tool struct {
	name    string
	section int
	run     cli.RunFunc
}

var tools = []tool{
	{"gping", 8, gping.Run},
	{"gtraceroute", 8, gtraceroute.Run},
	{"garp", 8, garp.Run},
	{"gpmtud", 8, gpmtud.Run},
	{"gdig", 1, gdig.Run},
	{"gudpecho", 1, gudpecho.Run},
	{"gtcpecho", 1, gtcpecho.Run},
	{"gtfo", 1, gtfo.Run},
}

func main() {
	src := flag.String("src", "man", "directory of the hand-written <tool>.<section>.in")
	manDir := flag.String("man", "", "write the man pages into this directory")
	compDir := flag.String("completion", "", "write the completions under this directory")
	version := flag.String("version", cli.Version, "the version the pages name")
	date := flag.String("date", "", "the date the pages carry (the commit's, YYYY-MM-DD)")
	flag.Parse()
	if *date == "" {
		*date = defaultDate()
	}
	if err := run(*src, *manDir, *compDir, *version, *date); err != nil {
		fmt.Fprintf(os.Stderr, "docgen: %v\n", err)
		os.Exit(1)
	}
}

// defaultDate is the pages' date outside a git tree: SOURCE_DATE_EPOCH's
// where the build sets it (reproducible builds), else today's.
func defaultDate() string {
	t := time.Now()
	if sec, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		t = time.Unix(sec, 0)
	}
	return t.UTC().Format("2006-01-02")
}

func run(src, manDir, compDir, version, date string) error {
	for _, t := range tools {
		spec, err := cli.Describe(t.run)
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		if manDir != "" {
			page, err := manPage(src, t, spec, version, date)
			if err != nil {
				return err
			}
			if err := write(filepath.Join(manDir, fmt.Sprintf("%s.%d", t.name, t.section)), page); err != nil {
				return err
			}
		}
		if compDir != "" {
			if err := writeCompletions(compDir, spec); err != nil {
				return err
			}
		}
	}
	return nil
}

// manPage fills the tool's template.
func manPage(src string, t tool, spec cli.Spec, version, date string) (string, error) {
	in, err := os.ReadFile(filepath.Join(src, fmt.Sprintf("%s.%d.in", t.name, t.section)))
	if err != nil {
		return "", err
	}
	r := strings.NewReplacer("@VERSION@", version, "@DATE@", date)
	var out strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.SplitAfter(string(in), "\n") {
		switch strings.TrimSpace(line) {
		case "@SYNOPSIS@":
			out.WriteString(cli.ManSynopsis(spec))
			seen["@SYNOPSIS@"] = true
		case "@OPTIONS@":
			out.WriteString(cli.ManOptions(spec))
			seen["@OPTIONS@"] = true
		default:
			out.WriteString(r.Replace(line))
		}
	}
	if !seen["@SYNOPSIS@"] || !seen["@OPTIONS@"] {
		return "", fmt.Errorf("%s.%d.in: want an @SYNOPSIS@ and an @OPTIONS@ line", t.name, t.section)
	}
	return out.String(), nil
}

// completionPaths are where each shell looks for a command's completion,
// relative to the completion directory.
var completionPaths = map[string]string{"bash": "bash/%s", "zsh": "zsh/_%s", "fish": "fish/%s.fish"}

func writeCompletions(dir string, spec cli.Spec) error {
	for _, shell := range cli.Shells {
		var b strings.Builder
		if err := cli.Completion(&b, spec, shell); err != nil {
			return err
		}
		path := filepath.Join(dir, fmt.Sprintf(completionPaths[shell], spec.Command.Name))
		if err := write(path, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func write(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
