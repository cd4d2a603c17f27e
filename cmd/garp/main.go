// Command garp: see pkg/garp.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/garp"
)

func main() { cli.Main(garp.Run) }
