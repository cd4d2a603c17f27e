package cli

import "github.com/spf13/pflag"

// FamilyFlags is the -4/-6 pair every tool that resolves a host takes.
type FamilyFlags struct{ V4, V6 bool }

// Add declares -4/--ipv4 and -6/--ipv6 on fs with the tool's help words.
func (f *FamilyFlags) Add(fs *pflag.FlagSet, help4, help6 string) {
	fs.BoolVarP(&f.V4, "ipv4", "4", false, help4)
	fs.BoolVarP(&f.V6, "ipv6", "6", false, help6)
}

// Family is the pair as a Resolve restriction. Both set is the caller's to
// refuse (each classic words it differently); here -6 wins, as the last
// word a user gives usually does not matter and ping takes -6 over -4.
func (f FamilyFlags) Family() Family {
	switch {
	case f.V6:
		return IPv6Only
	case f.V4:
		return IPv4Only
	}
	return AnyFamily
}
