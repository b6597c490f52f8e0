package compiler

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var ipInvalid = &Check{
	Name:     "ip-invalid",
	Severity: hcl.DiagError,
	Doc: `An address or prefix that does not parse

Every address vsc hands to the kernel is read first: a guest interface's
ip (an address with an optional /prefix, 10.7.0.2/16), a host interface's
or VLAN's addresses (the same form), a route's to and a rule's from (a
network: a prefix whose host bits are zero, or "default"), and a route's via
(a single address, without /prefix). util-vserver passed such values to
ip(8) unread, so a typo surfaced only when the guest started, half set up.
A gateway of the other family than the route's destination is reported
here too.

    interface "0" {
      dev = "eth0.7"
      ip  = "10.0.7.0.2"    # ip-invalid: not an IP address
    }
    route {
      to  = "10.7.0.1/16"   # ip-invalid: host bits set; the network is 10.7.0.0/16
      dev = "eth0.7"
    }

Fix the value: four dot-separated numbers 0..255 (or an IPv6 address), then
/ and the prefix length; for a network, zero the host bits as the detail
says.
`,
	Run: func(p *Pass) {
		seen := once{}
		bad := func(v lang.Val[string], summary, where string, err error, fix string) {
			if seen.first(v.Range, v.V) {
				p.Report(v.Range, summary, strings.TrimSpace(fmt.Sprintf("%s: %v. %s", where, err, fix)))
			}
		}
		// A network's error says what to write, but for one with host
		// bits set, where it names the network.
		networkFix := func(s string) string {
			if _, err := ParseAddress(s); err == nil {
				return "Write that network."
			}
			return ""
		}
		eachGuestBlock(p, func(g *lang.Guest) {
			for _, i := range g.Interfaces {
				if !i.IP.Set {
					continue
				}
				if _, err := ParseAddress(i.IP.V); err != nil {
					bad(i.IP, "Invalid IP address", fmt.Sprintf("The ip of interface %q of %s", i.Label.V, owner(g)), err,
						"Write an address with its prefix length, such as 192.168.44.153/24.")
				}
			}
		})
		for _, h := range p.Config.Hosts {
			addrs := func(link string, s lang.Strings) {
				for _, a := range s.V {
					if _, err := ParseAddress(a.V); err != nil {
						bad(a, "Invalid IP address", fmt.Sprintf("An address of link %q of host %q", link, h.Name.V), err,
							"Write an address with its prefix length, such as 192.168.44.10/24.")
					}
				}
			}
			for _, i := range h.Interfaces {
				addrs(i.Name.V, i.Addresses)
			}
			for _, v := range h.VLANs {
				addrs(v.Name.V, v.Addresses)
			}
			for _, t := range h.Tables {
				for _, r := range t.Routes {
					where := fmt.Sprintf("A route of table %q of host %q", t.Name.V, h.Name.V)
					to, toErr := RouteNetwork(r)
					if r.To.Set && toErr != nil {
						bad(r.To, "Invalid route destination", where, toErr, networkFix(r.To.V))
					}
					if !r.Via.Set {
						continue
					}
					via, err := ParseGateway(r.Via.V)
					switch {
					case err != nil:
						bad(r.Via, "Invalid gateway", where, err, "")
					case r.To.Set && toErr == nil && via.Is4() != to.Addr().Is4():
						bad(r.Via, "Gateway of another family", where,
							fmt.Errorf("gateway %s is not of the family of its destination %s", via, to),
							"Give a gateway of the destination's family, or split the route in two.")
					}
				}
			}
			for _, r := range h.Rules {
				if !r.From.Set {
					continue
				}
				if _, err := RuleNetwork(r); err != nil {
					bad(r.From, "Invalid rule source", fmt.Sprintf("A rule of host %q", h.Name.V), err, networkFix(r.From.V))
				}
			}
		}
	},
}
