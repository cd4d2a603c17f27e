module gnetutils

go 1.26.0

require (
	github.com/spf13/pflag v1.1.0
	github.com/vishvananda/netns v0.0.5
	golang.org/x/sys v0.49.0
)

require (
	github.com/google/gopacket v1.1.19 // indirect
	github.com/miekg/dns v1.1.73 // indirect
	github.com/vishvananda/netlink v1.3.1 // indirect
	golang.org/x/net v0.62.0 // indirect
)
