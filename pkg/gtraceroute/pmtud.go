package gtraceroute

import "gnetutils/pkg/sockopt"

// pmtudFor: with -F probes carry DF and ignore the cached path MTU (so a
// router's frag-needed shows as !F-<mtu>); without, the kernel may
// fragment them, as traceroute's are.
func pmtudFor(df bool) sockopt.PMTUDMode {
	if df {
		return sockopt.PMTUDProbe
	}
	return sockopt.PMTUDDont
}
