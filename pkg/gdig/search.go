package gdig

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// resolvConf is where dig reads its search list and ndots.
var resolvConf = "/etc/resolv.conf"

// searchName is one name a lookup asks, and whether dig asks it under a
// domain of the search list: dig then prints the stats of the answer
// only when it is NOERROR or NXDOMAIN.
type searchName struct {
	name   string
	origin bool
}

// searchNames are the names a lookup of name asks, in turn, as dig does
// with +search: the name alone when search is off (or +trace shows one
// resolution), or when it has at least ndots dots (+ndots, or
// resolv.conf's); otherwise the name under each domain of the search
// list (+domain alone, or resolv.conf's), then as given. A name with a
// final dot is asked as it is, though dig counts that dot and takes it
// for a name under the list's first domain.
func (o *options) searchNames(name string) []searchName {
	if !o.search || o.trace {
		return []searchName{{name, false}}
	}
	domains, ndots := readResolvConf(resolvConf)
	if o.domain != "" {
		domains = []string{o.domain}
	}
	if o.ndots >= 0 {
		ndots = o.ndots
	}
	switch {
	case strings.Count(name, ".") >= ndots:
		return []searchName{{name, false}}
	case strings.HasSuffix(name, "."):
		return []searchName{{name, len(domains) > 0}}
	}
	var out []searchName
	for _, d := range domains {
		out = append(out, searchName{name + "." + d, true})
	}
	return append(out, searchName{name, false}) // dig's last try: the name as given
}

// searchList makes a lookup of name as dig does with +search: it asks
// the names of searchNames in turn, on to the next while the answer is
// NXDOMAIN, and prints the last answer (every answer, with +showsearch).
// ask asks one name and gives the answer's rcode and how to print it
// (with its stats or without), or a nil print and the lookup's status
// when no answer came.
func (o *options) searchList(name string, ask func(name string) (rcode int, print func(noStats bool) int, code int)) int {
	names := o.searchNames(name)
	for i, n := range names {
		rcode, print, code := ask(n.name)
		if print == nil {
			return code
		}
		last := i == len(names)-1 || rcode != dns.RcodeNameError
		if last || o.showSearch {
			code = print(n.origin && rcode != dns.RcodeSuccess && rcode != dns.RcodeNameError)
		}
		if last {
			return code
		}
	}
	return 0
}

// readResolvConf reads resolv.conf's search list ("search", or "domain")
// and its ndots option (1 when not set).
func readResolvConf(path string) (domains []string, ndots int) {
	ndots = 1
	f, err := os.Open(path)
	if err != nil {
		return nil, ndots
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "search", "domain":
			domains = nil
			for _, d := range f[1:] {
				domains = append(domains, strings.Trim(d, "."))
			}
		case "options":
			for _, opt := range f[1:] {
				if v, ok := strings.CutPrefix(opt, "ndots:"); ok {
					if n, err := strconv.Atoi(v); err == nil {
						ndots = n
					}
				}
			}
		}
	}
	return domains, ndots
}
