package gdig

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// resolvConf is where dig reads its search list and ndots.
var resolvConf = "/etc/resolv.conf"

// searchNames are the names a lookup of name asks, in turn, as dig does
// with +search: the name alone when it ends with a dot or search is off;
// otherwise the name under each domain of the search list (+domain's
// first, then resolv.conf's), and the name as given: first when it has
// at least ndots dots, last when not.
func (o *options) searchNames(name string) []string {
	if !o.search || strings.HasSuffix(name, ".") {
		return []string{name}
	}
	domains, ndots := readResolvConf(resolvConf)
	if o.domain != "" {
		domains = append([]string{o.domain}, domains...)
	}
	var out []string
	asIs := strings.Count(name, ".") >= ndots
	if asIs {
		out = append(out, name)
	}
	for _, d := range domains {
		out = append(out, name+"."+d)
	}
	if !asIs {
		out = append(out, name) // dig's last try: the name as given
	}
	return out
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
