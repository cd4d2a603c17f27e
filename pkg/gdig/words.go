package gdig

// plusOptions are the +options parseArgs takes, offered by the shell
// completions (cli.Command.Words); words_test.go holds them to plus().
var plusOptions = []string{
	"+short", "+trace", "+tcp", "+notcp", "+norecurse", "+recurse", "+dnssec", "+nodnssec", "+nsid", "+nonsid",
	"+time=", "+tries=", "+retry=", "+bufsize=", "+all", "+noall", "+cmd", "+nocmd", "+comments", "+nocomments",
	"+question", "+noquestion", "+answer", "+noanswer", "+authority", "+noauthority", "+additional",
	"+noadditional", "+stats", "+nostats", "+json",
}

// queryTypes are the query types the completions offer (gdig takes any
// type miekg/dns knows); queryClasses the classes.
var (
	queryTypes = []string{"A", "AAAA", "ANY", "CAA", "CDS", "CNAME", "DNAME", "DNSKEY", "DS", "HINFO", "HTTPS",
		"MX", "NAPTR", "NS", "NSEC", "NSEC3", "NSEC3PARAM", "PTR", "RRSIG", "SOA", "SRV", "SSHFP", "SVCB",
		"TLSA", "TXT", "URI"}
	queryClasses = []string{"IN", "CH", "HS", "ANY"}
)

// completionWords are what a gdig operand may be besides a name.
var completionWords = append(append([]string{}, plusOptions...), queryTypes...)
