// Package echo holds the UDP and TCP echo engines behind gudpecho and
// gtcpecho: SO_REUSEPORT shards, each on its own OS thread, so the kernel
// spreads flows over cores; batched UDP I/O without allocation per
// datagram; and the guards that make an echo server safe to expose.
package echo
