package echo

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/cli"
)

// mode is what a command line asks for.
type mode int

const (
	serveMode  mode = iota // the default: an echo server
	clientMode             // --client: send stdin, print what comes back
	benchMode              // --bench: ping-pong load, one report
)

// config is a checked command line of gudpecho or gtcpecho: what Run does.
type config struct {
	proto  string // "udp" or "tcp"
	json   bool
	mode   mode
	target string // HOST:PORT of --client or --bench

	// --bench
	flows    int
	duration time.Duration
	size     int

	// serve mode
	port    int // as given, for the words of a listen error
	shards  int
	verbose bool
	every   time.Duration // --stats
	udp     udpConfig
	tcp     tcpConfig // without Log: -v gives it stderr
}

// flags are the command line as pflag fills it in.
type flags struct {
	common   cli.Common
	listen   string
	port     int
	shards   autoInt
	client   string
	bench    string
	flows    int
	duration time.Duration
	size     int
	verbose  bool
	every    time.Duration
	blocked  string
	noLoop   bool
	rate     int
	maxConns autoInt
	perSrc   int
	idle     time.Duration
	send     time.Duration
	grace    time.Duration
}

// parseArgs turns args into a config; done says Run must return code
// (after --help, --version or a refusal, already printed).
func parseArgs(proto string, command cli.Command, args []string, stdout, stderr io.Writer) (cfg config, done bool, code int) {
	var f flags
	fs := command.NewFlagSet(&f.common)
	fs.StringVarP(&f.listen, "listen", "l", "::", "address to listen on (:: takes IPv4 too)")
	fs.IntVarP(&f.port, "port", "p", 7, "port to listen on (the echo service's 7 needs root or CAP_NET_BIND_SERVICE)")
	fs.VarP(&f.shards, "shards", "w", "SO_REUSEPORT sockets, each on its own OS thread; auto is one per CPU")
	fs.StringVar(&f.client, "client", "", "client mode: send stdin to HOST:PORT and print what comes back")
	fs.StringVar(&f.bench, "bench", "", "load mode: ping-pong against HOST:PORT and report round trips/s and latency")
	fs.IntVarP(&f.flows, "conns", "c", 16, "--bench: concurrent flows (each its own socket)")
	fs.DurationVarP(&f.duration, "duration", "d", 5*time.Second, "--bench: how long")
	fs.IntVarP(&f.size, "size", "s", 64, "--bench: message size in bytes")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log connections (TCP)")
	fs.DurationVar(&f.every, "stats", 0, "print a statistics line at this interval (e.g. 1s)")
	if proto == "udp" {
		fs.StringVar(&f.blocked, "blocked-ports", joinInts(defaultBlockedPorts), "source ports never answered (reflectors and well-known services)")
		fs.BoolVar(&f.noLoop, "no-loopback", false, "do not answer loopback clients")
		fs.IntVar(&f.rate, "rate", defaultRate, "answer at most this many datagrams per second per source /24 (IPv4) or /64 (IPv6); 0: no limit")
	} else {
		fs.Var(&f.maxConns, "max-conns", "refuse connections beyond this many open at once, by default what RLIMIT_NOFILE leaves (0: no limit)")
		fs.IntVar(&f.perSrc, "max-conns-per-source", defaultPerSource, "refuse connections beyond this many open from one IPv4 address or IPv6 /64 (0: no limit)")
		fs.DurationVar(&f.idle, "idle-timeout", time.Minute, "close connections idle this long (0: never)")
		fs.DurationVar(&f.send, "send-timeout", time.Minute, "reset connections whose echo the peer has not read for this long (0: never)")
		fs.DurationVar(&f.grace, "grace", 5*time.Second, "on SIGTERM/SIGINT, how long open connections may still be echoed")
	}
	if done, code := command.Parse(fs, &f.common, args, stdout, stderr, cli.ExitUsage); done {
		return config{}, true, code
	}
	if !f.shards.set {
		f.shards.n = runtime.NumCPU()
	}
	if proto == "tcp" && !f.maxConns.set {
		f.maxConns.n = maxConnsFor(f.shards.n)
	}
	cfg, err := f.config(proto, fs.Args())
	if err != nil {
		return config{}, true, command.Fail(stderr, cli.ExitUsage, "%v", err)
	}
	return cfg, false, 0
}

// config checks the flags, in the order the refusals have always come, and
// says what to do. The listen address and --blocked-ports matter to the
// server alone: --client and --bench never look at them.
func (f *flags) config(proto string, args []string) (config, error) {
	switch {
	case len(args) > 0:
		return config{}, fmt.Errorf("unexpected argument %q (try --help)", args[0])
	case f.port < 0 || f.port > 65535:
		return config{}, fmt.Errorf("port %d out of range 0..65535", f.port)
	case f.shards.n < 1 || f.shards.n > 1024:
		return config{}, fmt.Errorf("shards %d out of range 1..1024", f.shards.n)
	case f.client != "" && f.bench != "":
		return config{}, errors.New("--client and --bench exclude each other")
	case f.flows < 1 || f.size < 0 || (proto == "udp" && f.size > maxDatagram-28) || f.duration <= 0:
		return config{}, fmt.Errorf("bad --bench parameters: -c %d -s %d -d %v", f.flows, f.size, f.duration)
	case f.rate < 0 || f.maxConns.n < 0 || f.perSrc < 0 || f.idle < 0 || f.send < 0 || f.grace < 0:
		return config{}, errors.New("negative limits make no sense")
	}
	cfg := config{proto: proto, json: f.common.JSON, flows: f.flows, duration: f.duration, size: f.size,
		port: f.port, shards: f.shards.n, verbose: f.verbose, every: f.every}
	switch {
	case f.client != "":
		cfg.mode, cfg.target = clientMode, f.client
		return cfg, nil
	case f.bench != "":
		cfg.mode, cfg.target = benchMode, f.bench
		return cfg, nil
	}
	ip, err := netip.ParseAddr(f.listen)
	if err != nil {
		return config{}, fmt.Errorf("bad listen address %q", f.listen)
	}
	addr := netip.AddrPortFrom(ip, uint16(f.port))
	if proto == "udp" {
		ports, err := parseInts(f.blocked)
		if err != nil {
			return config{}, fmt.Errorf("--blocked-ports: %v", err)
		}
		cfg.udp = udpConfig{Addr: addr, Shards: f.shards.n, BlockedPorts: ports, AllowLoopback: !f.noLoop, Rate: f.rate}
	} else {
		cfg.tcp = tcpConfig{Addr: addr, Shards: f.shards.n, MaxConns: f.maxConns.n, MaxPerSource: f.perSrc,
			IdleTimeout: f.idle, SendTimeout: f.send, Grace: f.grace}
	}
	return cfg, nil
}

// autoInt is an int flag whose default is worked out when the server
// starts (--max-conns: from RLIMIT_NOFILE and the shards), so --help says
// "auto", the same on every machine, rather than one machine's figure.
type autoInt struct {
	n   int
	set bool
}

func (a *autoInt) String() string {
	if !a.set {
		return "auto"
	}
	return strconv.Itoa(a.n)
}

func (a *autoInt) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 0)
	if err != nil {
		return err
	}
	a.n, a.set = int(n), true
	return nil
}

func (a *autoInt) Type() string { return "int" }

// defaultPerSource is --max-conns-per-source's default: more than a
// person's client or a benchmark opens (make bench runs 100), far fewer
// than it takes to fill --max-conns from one host.
const defaultPerSource = 128

// maxConnsFor is --max-conns' default: the descriptors RLIMIT_NOFILE
// allows (Go raises the soft limit to the hard one at start), less what
// the server needs itself: three per shard (listener, epoll, eventfd)
// and some for the rest. Past it accept(2) would fail with EMFILE; this
// way a connection beyond is refused with a reset and counted.
func maxConnsFor(shards int) int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 0
	}
	return max(int(lim.Cur)-3*shards-64, 1)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("bad port %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
