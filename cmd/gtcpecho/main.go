// Command gtcpecho: see pkg/gtcpecho.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gtcpecho"
)

func main() { cli.Main(gtcpecho.Run) }
