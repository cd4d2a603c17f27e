// Command gpmtud: see pkg/gpmtud.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gpmtud"
)

func main() { cli.Main(gpmtud.Run) }
