module gnetutils

go 1.26.0

require (
	github.com/spf13/pflag v1.1.0
	github.com/vishvananda/netns v0.0.5
	golang.org/x/sys v0.49.0
)
