package gdig

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/netlab"
)

// typeRecords are a record of every type miekg/dns knows and NSD serves
// by name, several in more than one shape (a LOC below sea level, a DS
// whose digest dig splits, an SVCB with every parameter kind).
var typeRecords = []string{
	`a IN A 192.0.2.1`,
	`aaaa IN AAAA 2001:db8::1`,
	`aaaa-compat IN AAAA ::198.18.2.1`, // inet_ntop: dotted, not ::c612:201
	`aaaa-mapped IN AAAA ::ffff:198.18.2.1`,
	`cname IN CNAME a`,
	`dname IN DNAME t.example.`,
	`mx IN MX 10 mail`,
	`mb IN MB mail`,
	`mg IN MG mail`,
	`mr IN MR mail`,
	`minfo IN MINFO a b`,
	`ptr IN PTR a`,
	`hinfo IN HINFO "PC Intel" "Linux 6"`,
	`txt IN TXT "hello world" "a\"b" "x;y"`,
	`rp IN RP a txt`,
	`afsdb IN AFSDB 1 a`,
	`isdn IN ISDN "150862028003217" "004"`,
	`rt IN RT 0 a`,
	`px IN PX 10 a b`,
	`loc IN LOC 42 21 54 N 71 6 18 W -24m 30m`,
	`loc2 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m`,
	`srv IN SRV 0 5 5060 a`,
	`naptr IN NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp`,
	`kx IN KX 10 a`,
	`cert IN CERT PGP 0 0 AQIDBAUGBwgJAAECAwQFBgcICQABAgMEBQYHCAkAAQIDBAUGBwgJAAECAwQFBgcICQAB`,
	`apl IN APL 1:192.168.32.0/21 !1:192.168.38.0/28`,
	`ds IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`,
	`ds2 IN DS 60485 8 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A`,
	`sshfp IN SSHFP 4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789`,
	`ipseckey IN IPSECKEY 10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==`,
	`rrsig IN RRSIG A 8 3 3600 20300101000000 20260101000000 12345 t.lab. AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=`,
	`nsec IN NSEC a.t.lab. A NS SOA MX RRSIG NSEC DNSKEY TYPE1234`,
	`dnskey IN DNSKEY 257 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdkIORI/ZIprNuRzO3c+N0YHkJbXfc0fqq2SMC1BfjOMF4FqWk58pSDp`,
	`dhcid IN DHCID AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=`,
	`nsec3param IN NSEC3PARAM 1 0 12 AABBCCDD`,
	`nsec3p2 IN NSEC3PARAM 1 0 0 -`,
	`tlsa IN TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6EBAB`,
	`smimea IN SMIMEA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6EBAB`,
	`openpgpkey IN OPENPGPKEY mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq`,
	`cds IN CDS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`,
	`cdnskey IN CDNSKEY 257 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=`,
	`csync IN CSYNC 66 3 A NS AAAA`,
	`zonemd IN ZONEMD 2026120201 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE`,
	`spf IN SPF "v=spf1 -all"`,
	`nid IN NID 10 0014:4fff:ff20:ee64`,
	`l32 IN L32 10 10.1.2.0`,
	`l64 IN L64 10 2001:0DB8:1140:1000`,
	`lp IN LP 10 l64.t.lab.`,
	`eui48 IN EUI48 00-00-5e-00-53-2a`,
	`eui64 IN EUI64 00-00-5e-ef-10-00-00-2a`,
	`uri IN URI 10 1 "ftp://ftp1.example.com/public"`,
	`caa IN CAA 0 issue "ca.example.net; account=230123"`,
	`caa2 IN CAA 128 tbs "Unknown"`,
	`svcb IN SVCB 1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AEP+DQA= ipv6hint=2001:db8::1 mandatory=alpn`,
	`svcb0 IN SVCB 0 a.t.lab.`,
	`https IN HTTPS 1 . alpn=h2 no-default-alpn`,
	`https2 IN HTTPS 2 svc.example. key65000="foo\044bar"`,
	`dlv IN DLV 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`,
	`key IN KEY 256 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=`,
	`unknown IN TYPE65400 \# 4 0A000001`,
	`null IN NULL \# 3 010203`,
	`md IN MD a`,
	`mf IN MF a`,
	`verylongownername-xxxxxxxxxxxx IN A 192.0.2.9`,
	// Obsolete types NSD still serves: NXT (RFC 2535) has a bitmap of
	// its own, not NSEC's, that miekg/dns would misread.
	`nxt IN NXT a.t.lab. A NS SOA MX`,
	`nxt2 IN NXT b.t.lab. A MX RRSIG TXT AAAA`,
	`sig IN SIG A 8 3 3600 20300101000000 20260101000000 12345 t.lab. AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=`,
	`avc IN AVC "app-name:WOLFGANG|app-class:OAM|business=yes"`,
	// Types miekg/dns does not know, which dig prints by their fields.
	`x25 IN X25 "311061700956"`,
	`nsap IN NSAP 0x47000580005a0000000001e133ffffff00016100`,
	`wks IN WKS 192.0.2.1 TCP 25 80`,
	`longtxt IN TXT "` + strings.Repeat("0123456789", 25) + `" "\001\255\\"`,
	`longhex IN TYPE65401 \# 40 ` + strings.Repeat("00112233445566778899", 4),
	`2t7b4g4vsa5smi47k61mv5bv1a22bojr IN NSEC3 1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM`,
	`zsk IN DNSKEY 256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==`,
}

// genericRecords are types miekg/dns knows and NSD does not: the lab
// serves them in RFC 3597's form (made here with miekg/dns), and dig
// prints them by their own names, as gdig must.
var genericRecords = []string{
	`gpos IN GPOS -32.6882 116.8652 10.0`,
	`hip IN HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs.example.com.`,
	`amtrelay IN AMTRELAY 10 0 1 203.0.113.15`,
	`ta IN TA 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118`,
	`ninfo IN NINFO "zs" "b"`,
	`talink IN TALINK a.t.lab. b.t.lab.`,
	`uinfo IN UINFO "x"`,
	`uid IN UID 1`,
	`gid IN GID 1`,
	`eid IN EID 1234abcd`,
	`nimloc IN NIMLOC 1234abcd`,
	`isdn2 IN ISDN "150862028003217"`,
	`resinfo IN RESINFO qnamemin exterr=15,16,17 "infourl=https://resolver.example.com/guide"`,
}

// digOnlyRecords are types dig knows and neither NSD nor miekg/dns
// does, in RFC 3597's form: dig prints them by their fields.
var digOnlyRecords = []string{
	`a6 IN TYPE38 \# 17 0020010db8000000000000000000000001`,
	`a6b IN TYPE38 \# 16 40ff00000000000001056c6162656c00`,
	`a6c IN TYPE38 \# 16 4507ff000000000000056c6162656c00`,
	`a6d IN TYPE38 \# 8 80056c6162656c00`,
	`atma IN TYPE34 \# 13 01333538343030313233343536`,
	`atma2 IN TYPE34 \# 21 0039246f000e7c9c0312000100010000020000aa00`,
	`sink IN TYPE40 \# 5 0100000102`,
	`sink2 IN TYPE40 \# 43 0a0b0c00112233445566778899001122334455667788990011223344556677889900112233445566778899`,
	`doa IN TYPE259 \# 22 0000000000000001020a746578742f706c61696e6869`,
	`doa2 IN TYPE259 \# 10 0000ffff000000020000`,
	`wallet IN TYPE262 \# 10 03425443046164647200`,
	`nxt3 IN TYPE30 \# 25 01620174036c61620062018008000200000000000018000001`,
}

// asGeneric is a record in RFC 3597's \# form, for a server that does
// not know its type by name.
func asGeneric(t *testing.T, text string) string {
	rr, err := dns.NewRR("$ORIGIN t.lab.\n" + text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	raw := rawRdata(rr)
	f := strings.Fields(text)
	return fmt.Sprintf("%s IN TYPE%d \\# %d %s", f[0], rr.Header().Rrtype, len(raw), hex.EncodeToString(raw))
}

// typeVariants are the display options every record is printed with.
var typeVariants = [][]string{
	nil, {"+multiline"}, {"+short"}, {"+nocrypto"}, {"+unknownformat"}, {"+nottlid", "+noclass"},
	{"+ttlunits"}, {"+split=8"}, {"+nosplit"}, {"+rrcomments"}, {"+multiline", "+norrcomments"}, {"+expandaaaa"},
}

// TestLabRecordTypes: every record type prints as dig prints it, with
// each display option, from the same server (a lab NSD).
func TestLabRecordTypes(t *testing.T) {
	netlab.Need(t, "nsd", "dig")
	l := netlab.ForTest(t)
	records := append([]string{}, typeRecords...)
	for _, g := range genericRecords {
		records = append(records, asGeneric(t, g))
	}
	records = append(records, digOnlyRecords...)
	d, err := l.NewDNS(netlab.DNSConfig{Servers: []string{"auth"}, Zones: []netlab.Zone{{Origin: "t.lab.", Servers: []string{"auth"}, Records: records}}})
	if err != nil {
		t.Fatal(err)
	}
	server := "@" + d.Servers["auth"].Addr4
	for _, rec := range append(append(typeRecords, genericRecords...), digOnlyRecords...) {
		f := strings.Fields(rec)
		name, typ := f[0]+".t.lab", f[2]
		for _, v := range typeVariants {
			args := append([]string{server, "+noall", "+answer", name, typ}, v...)
			t.Run(strings.Join(append([]string{f[0], typ}, v...), " "), func(t *testing.T) {
				want, _ := d.Client.CombinedOutput(t, "dig", args...)
				got, errOut, _ := d.Client.RunTool(t, Run, args...)
				if got != want || strings.TrimSpace(want) == "" && f[0] != "2t7b4g4vsa5smi47k61mv5bv1a22bojr" {
					t.Errorf("%s\n--- gdig:\n%q\n--- dig:\n%q", errOut, got, want)
				}
			})
		}
	}
}
