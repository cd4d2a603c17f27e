// Package kstat reads the kernel's network counters — /proc/net/netstat,
// /proc/net/snmp and /proc/net/snmp6 — under the names nstat(8) gives them
// ("TcpExtTCPFastOpenActive", "TcpExtListenOverflows", "UdpRcvbufErrors",
// "Udp6RcvbufErrors"), so a tool can show the kernel's own evidence for what it
// measured as the delta of two snapshots.
//
// The counters are per network namespace. Read looks at the namespace of the
// calling OS thread (/proc/thread-self/net), not the process's: inside
// netlab's NS.Do, or any goroutine that has locked its thread and switched
// namespace, it reads that namespace.
package kstat

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Counters maps nstat names ("<Group><Field>", e.g. "TcpExtDelayedACKs") to
// values. Most counters only grow; a few snmp fields (Tcp MaxConn) are signed.
type Counters map[string]int64

// Files are the files under a net directory that Read parses.
var Files = []string{"netstat", "snmp", "snmp6"}

// Bounds on what a parser accepts, so a hostile or corrupted input cannot make
// it allocate without limit.
const (
	maxLine     = 64 << 10
	maxCounters = 4096
)

// Read returns every counter of the calling thread's network namespace.
func Read() (Counters, error) {
	dir := "/proc/thread-self/net"
	if _, err := os.Stat(dir); err != nil {
		dir = "/proc/self/net" // kernels before 3.17 have no thread-self
	}
	return ReadDir(dir)
}

// ReadDir parses the Files found in dir (a /proc/.../net directory); a missing
// snmp6 (IPv6 disabled) is not an error.
func ReadDir(dir string) (Counters, error) {
	c := Counters{}
	for _, name := range Files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			if name == "snmp6" && os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		err = c.Parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
	}
	return c, nil
}

// Parse adds the counters in r to c. It understands both layouts the kernel
// uses: pairs of lines "Group: Name1 Name2 ..." / "Group: v1 v2 ..." (netstat,
// snmp), and one "Name value" per line (snmp6, dev_snmp6).
func (c Counters) Parse(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	var header []string // fields of a "Group: names..." line waiting for its values
	var group string
	for lineNo := 1; sc.Scan(); lineNo++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if g, ok := strings.CutSuffix(fields[0], ":"); ok {
			if header == nil || g != group {
				group, header = g, fields[1:]
				continue
			}
			values := fields[1:]
			if len(values) != len(header) {
				return fmt.Errorf("line %d: %s has %d names but %d values", lineNo, group, len(header), len(values))
			}
			for i, name := range header {
				v, err := strconv.ParseInt(values[i], 10, 64)
				if err != nil {
					return fmt.Errorf("line %d: %s%s: %w", lineNo, group, name, err)
				}
				if err := c.set(group+name, v); err != nil {
					return err
				}
			}
			header, group = nil, ""
			continue
		}
		if len(fields) != 2 {
			return fmt.Errorf("line %d: want \"Name value\" or \"Group: ...\", got %q", lineNo, sc.Text())
		}
		v, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: %s: %w", lineNo, fields[0], err)
		}
		if err := c.set(fields[0], v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if header != nil {
		return fmt.Errorf("%s: names without a line of values", group)
	}
	return nil
}

func (c Counters) set(name string, v int64) error {
	if _, ok := c[name]; !ok && len(c) >= maxCounters {
		return fmt.Errorf("more than %d counters", maxCounters)
	}
	c[name] = v
	return nil
}

// Delta returns c - before for every counter in c (a counter missing from
// before counts from zero).
func (c Counters) Delta(before Counters) Counters {
	d := make(Counters, len(c))
	for k, v := range c {
		d[k] = v - before[k]
	}
	return d
}

// WithPrefix returns the counters whose names start with one of prefixes, e.g.
// "TcpExtTCPFastOpen", "TcpExtDelayedACK".
func (c Counters) WithPrefix(prefixes ...string) Counters {
	out := Counters{}
	for k, v := range c {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				out[k] = v
				break
			}
		}
	}
	return out
}

// Names returns the counter names in sorted order.
func (c Counters) Names() []string {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
