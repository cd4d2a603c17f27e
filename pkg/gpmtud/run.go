package gpmtud

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/probes"
	"gnetutils/pkg/sockopt"
	"gnetutils/pkg/udpprobe"
)

// run opens the probes and runs what the command line asks for: a check
// of one size (-s), a walk hop by hop (--hops) or a search for the MTU.
func (c config) run(ctx context.Context, out printer, stderr io.Writer) int {
	network, start, closeAll, err := c.open()
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	defer closeAll()
	if err := sockopt.DropCapabilities(); err != nil { // nothing more needs CAP_NET_RAW
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	cfg := searchConfig{
		start: start, floor: c.floor, retries: c.retries, maxProbes: c.maxProbes,
		wait: c.wait, deadline: c.deadline, refill: rateLimitRefill,
		note: func(o outcome) {
			cli.Errorf(stderr, command.Name, "note: %s named MTU %d, below the protocol's minimum: taken as %d", o.from, o.named, o.mtu)
		},
	}
	if c.verbose || c.json {
		cfg.step = out.step
	}
	switch {
	case c.check > 0:
		return c.runCheck(ctx, &prober{p: network, cfg: cfg, started: time.Now()}, out, stderr)
	case c.hops:
		cfg.step = nil // the hop lines say it all
		return c.runHops(ctx, &prober{p: network, cfg: cfg, started: time.Now()}, out, stderr)
	}
	return c.runSearch(ctx, network, cfg, out, stderr)
}

// open opens the probe sockets and settles the first size to try. The UDP
// prober is opened for either method: it finds the outgoing interface and
// its MTU. closeAll closes what open opened.
func (c config) open() (network path, start int, closeAll func(), err error) {
	up, err := probes.NewUDP(udpprobe.Config{Dst: netip.AddrPortFrom(c.addr, c.port), DF: true, Device: c.device})
	if err != nil {
		return nil, 0, nil, err
	}
	network, closeAll = &probePath{p: up}, func() { up.Close() }
	if c.icmp {
		ic, err := probes.NewICMP(icmpx.Config{Dst: c.addr, Device: c.device, SetPMTUD: true, PMTUD: sockopt.PMTUDProbe})
		if err != nil {
			closeAll()
			return nil, 0, nil, err
		}
		network, closeAll = &probePath{p: ic}, func() { ic.Close(); up.Close() }
	}
	_, ifMTU := up.Interface()
	if start, err = c.startSize(ifMTU); err != nil {
		closeAll()
		return nil, 0, nil, err
	}
	return network, start, closeAll, nil
}

// runCheck answers -s: is a packet with this UDP payload through?
func (c config) runCheck(ctx context.Context, pr *prober, out printer, stderr io.Writer) int {
	// After the sockets: a bad -i is named before a bad -s.
	size, err := c.checkSize()
	if err != nil {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	res, err := pr.try(ctx, 0, size)
	if err != nil && !errors.Is(err, context.Canceled) {
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	out.check(c.check, res)
	if res.res != resThrough {
		return cli.ExitFail
	}
	return cli.ExitOK
}

// runHops walks hop by hop as tracepath does.
func (c config) runHops(ctx context.Context, pr *prober, out printer, stderr io.Writer) int {
	out.localhost(pr.cfg.start)
	wr, err := walk(ctx, pr, pr.cfg.start, c.floor, c.maxHops, out.hop)
	out.resume(wr)
	switch {
	case errors.Is(err, errUnreachable) || (err == nil && !wr.reached):
		out.summary(searchResult{pmtu: wr.pmtu, learned: wr.learned, probes: pr.probes, elapsed: time.Since(pr.started)}, wr.blackHoleHop, false)
		return cli.ExitFail
	case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errBudget):
		return command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	out.summary(searchResult{pmtu: wr.pmtu, learned: wr.learned, blackHole: wr.blackHoleHop > 0, probes: pr.probes, elapsed: time.Since(pr.started), rtt: pr.maxRTT}, wr.blackHoleHop, wr.reached)
	return cli.ExitOK
}

// runSearch finds the path MTU.
func (c config) runSearch(ctx context.Context, network path, cfg searchConfig, out printer, stderr io.Writer) int {
	res, err := search(ctx, network, cfg)
	switch {
	case errors.Is(err, errUnreachable), errors.Is(err, errNoAnswer):
		cli.Errorf(stderr, command.Name, "%s: %v (%d probes in %s)", c.addr, err, res.probes, res.elapsed.Round(time.Millisecond))
		out.summary(res, 0, false)
		return cli.ExitFail
	case errors.Is(err, context.Canceled):
		out.interrupted(res)
		return command.Fail(stderr, cli.ExitFail, "interrupted; largest size through so far: %d", res.pmtu)
	case err != nil:
		if res.pmtu == 0 {
			return command.Fail(stderr, cli.ExitUsage, "%v", err)
		}
		cli.Errorf(stderr, command.Name, "%v; answer so far", err)
	}
	out.summary(res, 0, true)
	return cli.ExitOK
}
