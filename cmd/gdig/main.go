// Command gdig: see pkg/gdig.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gdig"
)

func main() { cli.Main(gdig.Run) }
