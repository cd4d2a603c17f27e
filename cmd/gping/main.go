// Command gping: see pkg/gping.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gping"
)

func main() { cli.Main(gping.Run) }
