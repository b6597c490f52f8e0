package compiler

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// Limits of host names: RFC 1123 (labels and whole name) and the kernel's
// __NEW_UTS_LEN for the UTS nodename and domainname.
const (
	MaxHostname      = 253
	MaxHostnameLabel = 63
	MaxUTSName       = 64
)

var hostnameInvalid = &Check{
	Name:     "hostname-invalid",
	Severity: hcl.DiagError,
	Doc: `Host name not RFC 1123, or UTS name over 64 bytes

A guest's hostname must be a valid internet host name (RFC 1123): labels
separated by dots, each 1 to 63 bytes of letters, digits and hyphens, not
starting or ending with a hyphen, at most 253 bytes in all; one trailing
dot is allowed. Resolvers, mail servers and certificates refuse anything
else, and util-vserver writes the name where scripts parse it.

The guest's UTS nodename (uts.nodename; else the hostname; else the
guest's name, which name-invalid keeps within 64 bytes) and its
uts.domainname are set with sethostname and setdomainname,
which refuse more than 64 bytes (the kernel's __NEW_UTS_LEN): the guest
would not start.

    guest "web" {
      context  = 300
      hostname = "web_1.example.org"   # hostname-invalid: '_' in a label
    }

Use letters, digits and hyphens, as in "web-1.example.org". When the
full name is longer than 64 bytes, set uts.nodename to a shorter one.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			h := g.Hostname
			if h.Set {
				if why := hostnameProblem(h.V); why != "" && seen.first(h.Range, h.V) {
					p.Report(h.Range, "Invalid host name",
						fmt.Sprintf("The hostname %q of %s is not a valid host name: %s. Use labels of letters, digits and hyphens separated by dots, as in \"web-1.example.org\".", h.V, owner(g), why))
				} else if why == "" && len(h.V) > MaxUTSName && (g.UTS == nil || !g.UTS.Nodename.Set) && seen.first(h.Range, "nodename "+h.V) {
					p.Report(h.Range, "Host name too long for the nodename",
						fmt.Sprintf("The hostname of %s is %d bytes long and becomes its UTS nodename, which the kernel limits to %d bytes. Set uts.nodename to a shorter name, such as the first label %q.",
							owner(g), len(h.V), MaxUTSName, firstLabel(h.V)))
				}
			}
			if g.UTS == nil {
				return
			}
			for _, u := range []struct {
				name string
				v    lang.Val[string]
			}{{"nodename", g.UTS.Nodename}, {"domainname", g.UTS.Domainname}} {
				if u.v.Set && len(u.v.V) > MaxUTSName && seen.first(u.v.Range, u.v.V) {
					p.Report(u.v.Range, "UTS name too long",
						fmt.Sprintf("The uts.%s of %s is %d bytes long; the kernel refuses more than %d bytes. Shorten it.",
							u.name, owner(g), len(u.v.V), MaxUTSName))
				}
			}
		})
	},
}

// hostnameProblem says why s is not an RFC 1123 host name, "" if it is.
func hostnameProblem(s string) string {
	name := strings.TrimSuffix(s, ".")
	switch {
	case name == "":
		return "it is empty"
	case len(name) > MaxHostname:
		return fmt.Sprintf("it is %d bytes long, over %d", len(name), MaxHostname)
	}
	for _, l := range strings.Split(name, ".") {
		switch {
		case l == "":
			return "it has an empty label (two dots in a row, or a leading dot)"
		case len(l) > MaxHostnameLabel:
			return fmt.Sprintf("the label %q is %d bytes long, over %d", l, len(l), MaxHostnameLabel)
		case l[0] == '-' || l[len(l)-1] == '-':
			return fmt.Sprintf("the label %q starts or ends with a hyphen", l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Sprintf("the label %q contains %s", l, describeRune(r))
			}
		}
	}
	return ""
}

func firstLabel(s string) string {
	l, _, _ := strings.Cut(s, ".")
	return l
}
