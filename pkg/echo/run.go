package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/kstat"
)

// Run is the whole CLI of gudpecho (proto "udp") and gtcpecho ("tcp").
func Run(ctx context.Context, proto string, command cli.Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, done, code := parseArgs(proto, command, args, stdout, stderr)
	if done {
		return code
	}
	p := newPrinter(cfg.json, proto, stdout)
	switch cfg.mode {
	case clientMode:
		if err := runClient(ctx, cfg, stdin, stdout); err != nil {
			return command.Fail(stderr, cli.ExitFail, "%v", err)
		}
	case benchMode:
		r, err := Bench(ctx, proto, cfg.target, cfg.flows, cfg.duration, cfg.size)
		if err != nil {
			return command.Fail(stderr, cli.ExitFail, "%v", err)
		}
		p.bench(r, cfg.size)
	default:
		// Everything that stops the server before it serves is the command
		// line's fault (address, port, permission): a usage error.
		if err := serve(ctx, cfg, command.Name, p, stderr); err != nil {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
	}
	return cli.ExitOK
}

func runClient(ctx context.Context, cfg config, stdin io.Reader, stdout io.Writer) error {
	if cfg.proto == "udp" {
		return udpClient(ctx, cfg.target, stdin, stdout, time.Second)
	}
	return tcpClient(ctx, cfg.target, stdin, stdout)
}

// kernelCounters are the kernel's own drop counters each server reports.
var kernelCounters = map[string][]string{
	"udp": {"UdpRcvbufErrors", "UdpSndbufErrors", "Udp6RcvbufErrors", "Udp6SndbufErrors", "UdpInErrors"},
	"tcp": {"TcpExtListenOverflows", "TcpExtListenDrops"},
}

// running is a started server, UDP or TCP, as the CLI sees it.
type running struct {
	addr  netip.AddrPort
	stats func() []shardSnapshot
	stop  func()
	conns func() *connCounts // TCP's connection counts; nil for UDP
}

// serve runs the server until ctx ends, with a statistics report on
// SIGUSR1, every --stats and at the end.
func serve(ctx context.Context, cfg config, name string, p printer, stderr io.Writer) error {
	before, _ := kstat.Read() // this thread's namespace: the server's
	srv, err := start(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: listening on %s (%s) with %d shards\n", name, srv.addr, cfg.proto, cfg.shards)
	report := func(final bool) {
		now, _ := kstat.Read()
		delta := now.Delta(before)
		kern := map[string]int64{}
		for _, name := range kernelCounters[cfg.proto] {
			kern[name] = delta[name]
		}
		r := statsReport{final: final, shards: srv.stats(), kernel: kern}
		if srv.conns != nil {
			r.conns = srv.conns()
		}
		p.stats(r)
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	var tick <-chan time.Time
	if cfg.every > 0 {
		t := time.NewTicker(cfg.every)
		defer t.Stop()
		tick = t.C
	}
	for serving := true; serving; {
		select {
		case <-ctx.Done():
			serving = false
		case <-usr1:
			report(false)
		case <-tick:
			report(false)
		}
	}
	srv.stop()
	report(true)
	return nil
}

// start binds the server's shards; -v logs TCP connections to stderr.
func start(ctx context.Context, cfg config, stderr io.Writer) (running, error) {
	if cfg.proto == "udp" {
		s, err := startUDP(ctx, cfg.udp)
		if err != nil {
			return running{}, listenError(err, cfg.port)
		}
		return running{addr: s.Addr(), stats: s.Stats, stop: s.Close}, nil
	}
	tc := cfg.tcp
	if cfg.verbose {
		tc.Log = stderr
	}
	s, err := startTCP(ctx, tc)
	if err != nil {
		return running{}, listenError(err, cfg.port)
	}
	conns := func() *connCounts { return &connCounts{open: s.Active(), refused: s.Refused(), unread: s.Lost()} }
	return running{addr: s.Addr(), stats: s.Stats, stop: s.Shutdown, conns: conns}, nil
}

// listenError words the errors people can do something about.
func listenError(err error, port int) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("port %d is in use by another program (not one of ours with SO_REUSEPORT): %v", port, err)
	case errors.Is(err, syscall.EACCES) && port < 1024:
		return fmt.Errorf("port %d needs root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service+ep <binary>), or pick one above 1023 with -p", port)
	}
	return err
}
