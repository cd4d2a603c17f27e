// Package gping is the gping tool; cmd/gping is its thin wrapper.
//
// gping stands in for iputils ping: the same flags, output line for line,
// statistics digit for digit and exit codes, on the shared probe engine
// pkg/icmpx. It also pings several hosts at once (as fping does), each
// line naming its host and a summary per host at the end, and prints NDJSON
// with --json.
package gping

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/netroute"
	"gnetutils/pkg/sockopt"
)

var command = cli.Command{
	Name:     "gping",
	Synopsis: "[options] host...",
	Summary:  "ICMP echo (IPv4/IPv6) with iputils ping's flags, output and exit codes;\nseveral hosts at once, --json for pipelines.",
	Extra: `exit status: 0 every host answered (with -w and -c: with -c replies), 1 some host
did not (or, as ping, a number -c/-s/-t/-w cannot take), 2 other errors (bad
arguments, unknown host, no permission).

Unprivileged use needs ICMP datagram sockets allowed for your group
(sysctl -w net.ipv4.ping_group_range="0 2147483647"), or the binary needs
CAP_NET_RAW (setcap cap_net_raw+ep gping; make install does it).
SIGQUIT (Ctrl-\) prints interim statistics to stderr; SIGINT ends with the summary.`,
	// ping reads its whole-number options with strtol and stops with
	// status 1 on a bad one.
	BadValue: cli.IputilsNumbers("count", "size", "ttl", "deadline", "preload"),
}

type options struct {
	common      cli.Common
	count       int
	interval    float64
	timeout     float64
	deadline    float64
	size        int
	ttl         int
	quiet       bool
	numeric     bool
	timestamps  bool
	outstanding bool
	flood       bool
	iface       string
	pmtud       string
	pattern     string
	tos         string
	audible     bool
	preload     int
	v4, v6      bool
}

// Run runs gping with args (without the program name) and returns its exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := command.NewFlagSet(&o.common)
	fs.IntVarP(&o.count, "count", "c", 0, "stop after COUNT replies (without -w: after sending COUNT probes)")
	fs.Float64VarP(&o.interval, "interval", "i", 1, "seconds between probes (below 0.002 only for root)")
	fs.Float64VarP(&o.timeout, "timeout", "W", 10, "seconds to wait for a reply (after the last probe)")
	fs.Float64VarP(&o.deadline, "deadline", "w", 0, "stop after this many seconds, whatever was sent or received")
	fs.IntVarP(&o.size, "size", "s", 56, "data bytes in each probe")
	fs.IntVarP(&o.ttl, "ttl", "t", 0, "IP time to live / hop limit")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print only the header and the summary")
	fs.BoolVarP(&o.numeric, "numeric", "n", false, "numeric output only (gping never looks up names of replies)")
	fs.BoolVarP(&o.timestamps, "timestamps", "D", false, "print a UNIX timestamp before each line")
	fs.BoolVarP(&o.outstanding, "outstanding", "O", false, "report probes still unanswered when the next goes out")
	fs.BoolVarP(&o.flood, "flood", "f", false, "flood ping: a dot per probe, a backspace per reply (users: with -i 0.002 or more)")
	fs.StringVarP(&o.iface, "interface", "I", "", "source interface name or address")
	fs.StringVarP(&o.pmtud, "pmtu", "M", "", "path MTU discovery: do (DF, no local fragmentation), dont, want, probe")
	fs.StringVarP(&o.pattern, "pattern", "p", "", "fill the data with up to 16 bytes given in hex")
	fs.StringVarP(&o.tos, "tos", "Q", "", "IPv4 TOS / IPv6 traffic class (decimal or 0x hex)")
	fs.BoolVarP(&o.audible, "audible", "a", false, "ring the terminal's bell with each reply")
	fs.IntVarP(&o.preload, "preload", "l", 1, "send this many probes at once at the start (users: at most 3)")
	fs.BoolVarP(&o.v4, "ipv4", "4", false, "IPv4 only")
	fs.BoolVarP(&o.v6, "ipv6", "6", false, "IPv6 only")
	if done, code := command.Parse(fs, &o.common, args, stdout, stderr, cli.ExitUsage); done {
		return code
	}
	fail := func(format string, a ...any) int {
		cli.Errorf(stderr, command.Name, format, a...)
		return cli.ExitUsage
	}
	cfg, err := o.check(fs.Changed)
	if err != nil {
		var bad cli.BadNumber
		if errors.As(err, &bad) {
			cli.Errorf(stderr, command.Name, "%v", err)
			return cli.ExitBadNumber
		}
		return fail("%v", err)
	}
	if fs.NArg() == 0 {
		return fail("usage error: Destination address required")
	}
	family := cli.AnyFamily
	if o.v4 {
		family = cli.IPv4Only
	} else if o.v6 {
		family = cli.IPv6Only
	}
	var targets []*target
	events := make(chan icmpx.Event, 1024)
	defer func() {
		for _, t := range targets {
			t.conn.Close()
		}
	}()
	for _, host := range fs.Args() {
		addr, err := cli.Resolve(ctx, host, family)
		if err != nil {
			return fail("%v", err)
		}
		// As ping does, find out first whether the kernel has a route:
		// no route is an error before any probe (exit 2), not a loss.
		if _, err := netroute.Source(addr, cfg.icmp.Src); err != nil {
			return fail("connect: %s", errnoText(err))
		}
		c := cfg.icmp
		c.Dst, c.Events = addr, events
		if fs.NArg() == 1 {
			// One target: runner.one reads its replies on the sending goroutine.
			c.Events, c.Sync = nil, true
		}
		// Sockets are opened here, in Run's own goroutine: a caller that
		// switched this thread into a network namespace gets them there.
		conn, err := icmpx.Open(c)
		if err != nil {
			if errors.Is(err, icmpx.ErrPermission) {
				return fail("socket: Operation not permitted: %v", err)
			}
			return fail("%v", err)
		}
		t := &target{host: host, addr: addr, conn: conn, name: addr.String(), pending: map[uint16]time.Time{}}
		if _, err := netip.ParseAddr(host); err != nil {
			t.name = fmt.Sprintf("%s (%s)", host, addr)
		}
		t.c.flood = o.flood
		t.c.untimed = o.size < timedSize
		targets = append(targets, t)
	}
	r := &runner{o: o, cfg: cfg, targets: targets, events: events, out: cli.NewLines(stdout), stderr: stderr}
	if o.common.JSON {
		r.js = cli.NewNDJSON(stdout)
	}
	return r.run(ctx)
}

// runConfig is what the flags come to.
type runConfig struct {
	icmp     icmpx.Config
	interval time.Duration
	timeout  time.Duration
	deadline time.Duration
	pattern  []byte
	source   string // for the header: "from <addr> <device>:"
	device   string
	tooFast  error // the interval is below what a user may ask for: printed after the header
}

// minUserInterval is the shortest interval iputils ping lets a user other
// than root ask for (MINUSERINTERVAL, 2 ms since iputils 20210202).
const minUserInterval = 2 * time.Millisecond

// check turns the flags into a runConfig; changed says which flags were
// given. Out-of-range numbers are ping's words and exit status 1
// (cli.BadNumber), other errors 2.
func (o *options) check(changed func(name string) bool) (runConfig, error) {
	var rc runConfig
	intervalSet := changed("interval")
	switch {
	case o.v4 && o.v6:
		return rc, errors.New("only one of -4 and -6 may be given")
	case changed("count") && o.count < 1:
		return rc, cli.OutOfRange(o.count, 1, 9223372036854775807)
	case o.interval < 0 || o.interval > 2147483:
		return rc, fmt.Errorf("bad timing interval: %g", o.interval)
	case o.timeout <= 0 || o.timeout > 2147483:
		// ping takes -W 0 as no limit at all, and waits for minutes on
		// a silent host: refused here.
		return rc, fmt.Errorf("bad linger time: %g", o.timeout)
	case o.deadline < 0 || o.deadline > 2147483647:
		return rc, cli.OutOfRange(o.deadline, 0, 2147483647)
	case o.size < 0:
		return rc, cli.OutOfRange(o.size, 0, 2147483647)
	case o.size > 65507:
		// ping takes it, then fails every send ("message too long")
		// with status 1; the largest datagram is said up front.
		return rc, cli.OutOfRange(o.size, 0, 65507)
	case o.ttl < 0 || o.ttl > 255:
		return rc, cli.OutOfRange(o.ttl, 0, 255)
	case o.preload < 1 || o.preload > 65536:
		return rc, cli.OutOfRange(o.preload, 1, 65536)
	case o.preload > 3 && os.Getuid() != 0:
		return rc, fmt.Errorf("cannot set preload to value greater than 3: %d", o.preload)
	}
	rc.interval = time.Duration(o.interval * float64(time.Second))
	asked := rc.interval
	if o.flood && !intervalSet {
		// A flood without -i asks for no interval at all; it sends on
		// each reply, and every 10 ms when none comes back.
		asked, rc.interval = 0, 10*time.Millisecond
	}
	// As iputils ping (20221126, Debian 12) does, after its header: users
	// other than root may not ask for less than 2 ms between probes; with
	// -i 0.002 or more a user may flood.
	if asked < minUserInterval && os.Getuid() != 0 {
		rc.tooFast = fmt.Errorf("cannot flood; minimal interval allowed for user is %dms", minUserInterval/time.Millisecond)
	}
	rc.timeout = time.Duration(o.timeout * float64(time.Second))
	rc.deadline = time.Duration(o.deadline * float64(time.Second))
	rc.icmp.TTL = o.ttl
	if o.tos != "" {
		v, err := strconv.ParseUint(o.tos, 0, 8)
		if err != nil {
			return rc, fmt.Errorf("the decimal value of TOS bits must be in range 0-255: %s", o.tos)
		}
		rc.icmp.TOS = int(v)
	}
	if o.pmtud != "" {
		m, err := sockopt.ParsePMTUDMode(o.pmtud)
		if err != nil {
			return rc, err
		}
		rc.icmp.PMTUD, rc.icmp.SetPMTUD = m, true
	}
	if o.pattern != "" {
		p := o.pattern
		if len(p)%2 == 1 {
			p = "0" + p
		}
		b, err := hex.DecodeString(p)
		if err != nil || len(b) > 16 {
			return rc, fmt.Errorf("patterns must be specified as hex digits, at most 16 bytes: %s", o.pattern)
		}
		rc.pattern = b
	}
	if o.iface != "" {
		if a, err := netip.ParseAddr(o.iface); err == nil {
			rc.icmp.Src = a.Unmap()
			rc.source = a.Unmap().String()
		} else {
			rc.icmp.Device, rc.device = o.iface, o.iface
		}
	}
	return rc, nil
}

// target is one host being pinged.
type target struct {
	host    string
	addr    netip.Addr
	name    string // how reply lines name it
	conn    *icmpx.Conn
	c       counts
	seq     uint16
	sent    int
	pending map[uint16]time.Time // probes not yet answered
	lastTx  time.Time
	gaps    time.Duration
}

// housekeepingEvery is how often --json declares probes lost (-W).
const housekeepingEvery = 100 * time.Millisecond

// spinWithin is iputils ping's "very short timeout", 1000/HZ ms with
// sysconf(_SC_CLK_TCK) = 100: a wait up to this long it spins through
// rather than sleeps (ping_common.c, main_loop), and so does runner.one.
const spinWithin = 10 * time.Millisecond

// yieldCPU is sched_yield(2), what ping calls in each round of its spin:
// other threads may run, but this one stays ready and its CPU awake.
func yieldCPU() { _, _, _ = syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }

type runner struct {
	o       options
	cfg     runConfig
	targets []*target
	events  chan icmpx.Event // every target's events
	out     *cli.Lines
	js      *cli.NDJSON
	stderr  io.Writer
	data    []byte // the payload being sent
}

// payload is ping's probe data: a timeval of the send time in the first 16
// bytes where there is room (as iputils does), then the pattern or the
// byte sequence 0x10, 0x11, ... The buffer is the runner's, filled once
// and reused with each probe's time: Send copies what it sends.
func (r *runner) payload(now time.Time) []byte {
	if len(r.data) != r.o.size {
		r.data = make([]byte, r.o.size)
		start := 0
		if len(r.data) >= 16 {
			start = 16
		}
		for i := start; i < len(r.data); i++ {
			if len(r.cfg.pattern) > 0 {
				r.data[i] = r.cfg.pattern[(i-start)%len(r.cfg.pattern)]
			} else {
				r.data[i] = byte(i)
			}
		}
	}
	if len(r.data) >= 16 {
		binary.LittleEndian.PutUint64(r.data[0:], uint64(now.Unix()))
		binary.LittleEndian.PutUint64(r.data[8:], uint64(now.Nanosecond()/1000))
	}
	return r.data
}

func (r *runner) printf(at time.Time, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	if r.o.timestamps {
		line = timestampPrefix(at) + line
	}
	r.out.Printf("%s", line)
}

func (r *runner) run(ctx context.Context) int {
	if r.js == nil {
		for _, t := range r.targets {
			src := netip.Addr{}
			if r.cfg.source != "" {
				src = r.cfg.icmp.Src
			} else if r.cfg.device != "" {
				if ifi, err := net.InterfaceByName(r.cfg.device); err == nil {
					src = netroute.InterfaceAddr(ifi, t.addr.Is6())
				}
			}
			r.out.Printf("%s", header(t.host, t.addr, src, r.cfg.device, r.o.size, r.cfg.pattern))
		}
	}
	if r.cfg.tooFast != nil {
		cli.Errorf(r.stderr, command.Name, "%v", r.cfg.tooFast)
		return cli.ExitUsage
	}
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	defer signal.Stop(quit)
	if len(r.targets) == 1 {
		return r.one(ctx, quit)
	}

	byDst := map[netip.Addr]*target{}
	for _, t := range r.targets {
		if byDst[t.addr] == nil {
			byDst[t.addr] = t
		}
	}
	start := time.Now()
	var deadline <-chan time.Time
	if r.cfg.deadline > 0 {
		dt := time.NewTimer(r.cfg.deadline)
		defer dt.Stop()
		deadline = dt.C
	}
	sendTimer := time.NewTimer(0)
	defer sendTimer.Stop()
	var linger <-chan time.Time
	housekeeping := time.NewTicker(housekeepingEvery)
	defer housekeeping.Stop()

loop:
	for {
		if r.finished() {
			break
		}
		select {
		case <-ctx.Done():
			break loop
		case <-deadline:
			break loop
		case <-linger:
			break loop
		case <-quit:
			for _, t := range r.targets {
				fmt.Fprintf(r.stderr, "%s\n", statusLine(&t.c))
			}
		case <-housekeeping.C:
			r.expire(time.Now())
		case ev := <-r.events:
			t := byDst[ev.Dst]
			if t == nil {
				continue
			}
			r.handle(t, &ev)
			// Flood: the next probe goes out as soon as the last is
			// answered (and at least every interval otherwise).
			if r.o.flood && ev.Kind == icmpx.Reply && !ev.Dup && r.targetSends(t) && len(t.pending) == 0 {
				r.send(t, time.Now())
			}
		case <-sendTimer.C:
			r.sendRound()
			if r.wantsToSend() {
				sendTimer.Reset(r.cfg.interval)
			} else if linger == nil {
				linger = time.After(r.cfg.timeout)
			}
		}
	}
	return r.finish(time.Since(start))
}

// finish prints the summaries and says the exit code.
func (r *runner) finish(elapsed time.Duration) int {
	code := cli.ExitOK
	for _, t := range r.targets {
		t.c.elapsed = elapsed
		if t.c.received == 0 || (r.cfg.deadline > 0 && r.o.count > 0 && t.c.received < r.o.count) {
			code = cli.ExitFail
		}
		if t.sent > 1 {
			t.c.ipg = t.gaps / time.Duration(t.sent-1)
		}
		if r.js != nil {
			for seq, at := range t.pending {
				r.emitTimeout(t, seq, at)
			}
			r.emitSummary(t)
			continue
		}
		_, _ = io.WriteString(r.out, summary(t.host, &t.c))
	}
	return code
}

// one pings a single target with ping's own loop: a probe leaves when the
// interval is up (-f: also as soon as the last one is answered), and in
// between this goroutine waits for replies in poll(2) (icmpx's Sync
// mode). A round trip then costs one sendto and one recvmsg, and no other
// thread wakes: through a receiving goroutine, a channel and timers, each
// probe woke a second runtime thread just before its sendto, which showed
// in the RTTs measured.
func (r *runner) one(ctx context.Context, quit chan os.Signal) int {
	t := r.targets[0]
	// SIGINT (ctx) and SIGQUIT must not wait for the interval to end.
	interim := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-quit:
				select {
				case interim <- struct{}{}:
				default:
				}
				t.conn.Wake()
			case <-ctx.Done():
				t.conn.Wake()
				return
			case <-done:
				return
			}
		}
	}()
	start := time.Now()
	var deadline, lingerUntil time.Time
	if r.cfg.deadline > 0 {
		deadline = start.Add(r.cfg.deadline)
	}
	housekeeping := start.Add(housekeepingEvery)
	for !r.finished() && ctx.Err() == nil {
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			break
		}
		select {
		case <-interim:
			fmt.Fprintf(r.stderr, "%s\n", statusLine(&t.c))
		default:
		}
		if r.js != nil && !now.Before(housekeeping) {
			r.expire(now)
			housekeeping = now.Add(housekeepingEvery)
		}
		var wait time.Time
		if r.targetSends(t) {
			if t.sent == 0 || !now.Before(t.lastTx.Add(r.cfg.interval)) || (r.o.flood && len(t.pending) == 0) {
				r.send(t, now)
				// -l: the rest of the preload goes out at once, before
				// any reply is read, as ping sends it.
				for t.sent < r.o.preload && r.targetSends(t) {
					r.send(t, time.Now())
				}
			}
			wait = t.lastTx.Add(r.cfg.interval)
			if !r.targetSends(t) {
				lingerUntil = t.lastTx.Add(r.cfg.timeout)
				wait = lingerUntil
			}
		} else {
			if lingerUntil.IsZero() {
				lingerUntil = now.Add(r.cfg.timeout)
			}
			if !now.Before(lingerUntil) {
				break
			}
			wait = lingerUntil
		}
		if !deadline.IsZero() && deadline.Before(wait) {
			wait = deadline
		}
		if r.js != nil && housekeeping.Before(wait) {
			wait = housekeeping
		}
		if _, inFlight := t.pending[t.seq]; !inFlight && wait.Sub(now) <= spinWithin {
			// As ping: a wait this short is below what the scheduler
			// times well, so with nothing to wait for, spin: yield the
			// CPU, look at the socket without waiting, and go round.
			yieldCPU()
			wait = now
		}
		ev, err := t.conn.Receive(wait)
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, icmpx.ErrWoken) {
			continue
		}
		if err != nil {
			break
		}
		r.handle(t, &ev)
	}
	return r.finish(time.Since(start))
}

// wantsToSend says whether any target still has probes to send.
func (r *runner) wantsToSend() bool {
	for _, t := range r.targets {
		if r.targetSends(t) {
			return true
		}
	}
	return false
}

func (r *runner) targetSends(t *target) bool {
	if r.o.count == 0 {
		return true
	}
	if r.cfg.deadline > 0 {
		return t.c.received < r.o.count
	}
	return t.sent < r.o.count
}

// finished: with -c, every target got its count of answers (replies, and
// without -w errors too, as ping counts them).
func (r *runner) finished() bool {
	if r.o.count == 0 {
		return false
	}
	for _, t := range r.targets {
		answered := t.c.received
		if r.cfg.deadline == 0 {
			answered += t.c.errors
		}
		if answered < r.o.count {
			return false
		}
	}
	return true
}

func (r *runner) sendRound() {
	for _, t := range r.targets {
		if r.targetSends(t) {
			r.send(t, time.Now())
		}
		// -l: the first round sends the whole preload.
		for t.sent < r.o.preload && r.targetSends(t) {
			r.send(t, time.Now())
		}
	}
}

// send sends t's next probe; now is the time it counts as sent (its
// payload's timestamp, -f's gaps), read by the caller just before.
func (r *runner) send(t *target, now time.Time) {
	if r.o.outstanding && t.sent > 0 && r.js == nil {
		if _, open := t.pending[t.seq]; open {
			r.printf(now, "no answer yet for icmp_seq=%d", t.seq)
		}
	}
	t.seq++
	if !t.lastTx.IsZero() {
		t.gaps += now.Sub(t.lastTx)
	}
	t.lastTx = now
	at, err := t.conn.Send(t.seq, r.payload(now))
	t.sent++
	t.c.transmitted++
	if err != nil {
		t.c.errors++
		r.localError(t, err)
		return
	}
	t.pending[t.seq] = at
	if r.o.flood && r.js == nil && !r.o.quiet {
		_, _ = r.out.Write(floodSent)
	}
}

// What -f prints, as ping: a dot per probe sent, a backspace over it per
// reply, an E per error.
var floodSent, floodReply, floodError = []byte("."), []byte("\b \b"), []byte("E")

func (r *runner) localError(t *target, err error) {
	if r.js != nil {
		_ = r.js.Emit(map[string]any{"type": "error", "host": t.host, "addr": t.addr.String(), "seq": t.seq, "kind": "local_error", "error": err.Error()})
		return
	}
	var le *icmpx.LocalErr
	if errors.As(err, &le) {
		cli.Errorf(r.stderr, command.Name, "%s", localErrorText(le))
		return
	}
	cli.Errorf(r.stderr, command.Name, "sendmsg: %v", err)
}

// localErrorText is ping's "local error: message too long, mtu=1400".
func localErrorText(le *icmpx.LocalErr) string {
	msg := le.Err.Error()
	var errno syscall.Errno
	if errors.As(le.Err, &errno) {
		msg = strings.ToLower(errno.Error()[:1]) + errno.Error()[1:]
	}
	if le.MTU > 0 {
		return fmt.Sprintf("local error: %s, mtu=%d", msg, le.MTU)
	}
	return "local error: " + msg
}

// expire declares timeouts for JSON (text ping says nothing unless -O).
func (r *runner) expire(now time.Time) {
	if r.js == nil {
		return
	}
	for _, t := range r.targets {
		for seq, at := range t.pending {
			if now.Sub(at) > r.cfg.timeout {
				r.emitTimeout(t, seq, at)
				delete(t.pending, seq)
			}
		}
	}
}

func (r *runner) handle(t *target, ev *icmpx.Event) {
	switch {
	case ev.Kind == icmpx.Reply:
		if ev.Sent.IsZero() {
			return // a reply to a sequence number we never sent
		}
		delete(t.pending, ev.Seq)
		// ping's "pipe": the most probes out at once, as a reply finds
		// them (the probes sent since its own, and itself).
		if out := int(uint16(t.sent)) - int(ev.Seq) + 1; out > t.c.pipe && out <= t.sent {
			t.c.pipe = out
		}
		t.c.rtt.Add(ev.RTT)
		us := ev.RTT
		if t.c.ewma == 0 {
			t.c.ewma = us
		} else {
			t.c.ewma += (us - t.c.ewma) / 8
		}
		if ev.Dup {
			t.c.dups++
		} else {
			t.c.received++
		}
		if r.js != nil {
			_ = r.js.Emit(replyJSON{Type: "reply", Host: t.host, Addr: t.addr.String(), Seq: ev.Seq, TTL: ev.TTL, Bytes: ev.Size,
				RTTms: cli.Millis(ev.RTT), Dup: ev.Dup, Corrupt: ev.Corrupt, Time: cli.Timestamp(ev.At)})
			return
		}
		if r.o.flood {
			if !r.o.quiet {
				_, _ = r.out.Write(floodReply)
			}
			return
		}
		if !r.o.quiet {
			line := replyLine(t.name, *ev, !t.c.untimed)
			if r.o.audible {
				line += "\a"
			}
			r.printf(ev.At, "%s", line)
		}
	case ev.Kind == icmpx.LocalError:
		t.c.errors++
		r.localError(t, &icmpx.LocalErr{Err: ev.Errno, MTU: ev.MTU})
	default:
		delete(t.pending, ev.Seq)
		t.c.errors++
		if r.js != nil {
			_ = r.js.Emit(errorJSON{Type: "icmp_error", Host: t.host, Addr: t.addr.String(), Seq: ev.Seq, From: ev.From.String(), Kind: ev.Kind.String(),
				ICMPType: ev.Type, ICMPCode: ev.Code, MTU: ev.MTU, Message: errorText(*ev), Time: cli.Timestamp(ev.At)})
			return
		}
		if r.o.flood {
			if !r.o.quiet {
				_, _ = r.out.Write(floodError)
			}
			return
		}
		if !r.o.quiet {
			r.printf(ev.At, "%s", errorLine(*ev))
		}
	}
}

type replyJSON struct {
	Type    string  `json:"type"`
	Host    string  `json:"host"`
	Addr    string  `json:"addr"`
	Seq     uint16  `json:"seq"`
	TTL     int     `json:"ttl"`
	Bytes   int     `json:"bytes"`
	RTTms   float64 `json:"rtt_ms"`
	Dup     bool    `json:"dup"`
	Corrupt bool    `json:"corrupt"`
	Time    string  `json:"time"`
}

type errorJSON struct {
	Type     string `json:"type"`
	Host     string `json:"host"`
	Addr     string `json:"addr"`
	Seq      uint16 `json:"seq"`
	From     string `json:"from"`
	Kind     string `json:"kind"`
	ICMPType uint8  `json:"icmp_type"`
	ICMPCode uint8  `json:"icmp_code"`
	MTU      int    `json:"mtu,omitempty"`
	Message  string `json:"error"` // ping's text for it
	Time     string `json:"time"`
}

func (r *runner) emitTimeout(t *target, seq uint16, sent time.Time) {
	_ = r.js.Emit(map[string]any{"type": "timeout", "host": t.host, "addr": t.addr.String(), "seq": seq, "sent": cli.Timestamp(sent)})
}

type summaryJSON struct {
	Type        string   `json:"type"`
	Host        string   `json:"host"`
	Addr        string   `json:"addr"`
	Transmitted int      `json:"transmitted"`
	Received    int      `json:"received"`
	Duplicates  int      `json:"duplicates"`
	Errors      int      `json:"errors"`
	LossPct     float64  `json:"loss_pct"`
	TimeMS      int64    `json:"time_ms"`
	Min         *float64 `json:"rtt_min_ms,omitempty"`
	Avg         *float64 `json:"rtt_avg_ms,omitempty"`
	Max         *float64 `json:"rtt_max_ms,omitempty"`
	Mdev        *float64 `json:"rtt_mdev_ms,omitempty"`
	P50         *float64 `json:"rtt_p50_ms,omitempty"`
	P90         *float64 `json:"rtt_p90_ms,omitempty"`
	P99         *float64 `json:"rtt_p99_ms,omitempty"`
}

func (r *runner) emitSummary(t *target) {
	s := summaryJSON{Type: "summary", Host: t.host, Addr: t.addr.String(), Transmitted: t.c.transmitted, Received: t.c.received,
		Duplicates: t.c.dups, Errors: t.c.errors, TimeMS: t.c.elapsed.Milliseconds()}
	if t.c.transmitted > 0 {
		s.LossPct = float64(t.c.transmitted-t.c.received) * 100 / float64(t.c.transmitted)
	}
	if t.c.rtt.Count() > 0 {
		ms := func(d time.Duration) *float64 { v := cli.Millis(d); return &v }
		sum := t.c.rtt.Summary()
		s.Min, s.Avg, s.Max, s.Mdev = ms(sum.Min), ms(sum.Avg), ms(sum.Max), ms(sum.Mdev)
		s.P50, s.P90, s.P99 = ms(sum.P50), ms(sum.P90), ms(sum.P99)
	}
	_ = r.js.Emit(s)
}

// errnoText is an error as C's strerror words it ("Network is unreachable").
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
