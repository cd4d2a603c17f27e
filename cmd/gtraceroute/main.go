// Command gtraceroute: see pkg/gtraceroute.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gtraceroute"
)

func main() { cli.Main(gtraceroute.Run) }
