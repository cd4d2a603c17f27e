// Command gudpecho: see pkg/gudpecho.
package main

import (
	"gnetutils/pkg/cli"
	"gnetutils/pkg/gudpecho"
)

func main() { cli.Main(gudpecho.Run) }
