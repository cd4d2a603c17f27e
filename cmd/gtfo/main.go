// Command gtfo: see pkg/gtfo.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gtfo"
)

func main() { cli.Main(gtfo.Run) }
