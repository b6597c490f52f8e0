package compiler

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var ipConflict = &Check{
	Name:     "ip-conflict",
	Severity: hcl.DiagError,
	Doc: `One address given twice on one host

A guest's address is added to a link of its host, so on one host an
address can belong to one guest interface, or to the host itself (the
addresses of its interface and vlan blocks), only once. Two guests with one
address would fight over it: the second start fails, or traffic for one
guest reaches the other. The address alone counts; its prefix length does
not. Guests of different hosts may reuse an address.

    guest "web" {
      interface "0" {
        dev = "eth0"
        ip  = "192.168.44.153/24"
      }
    }
    guest "db" {
      interface "0" {
        dev = "eth0"
        ip  = "192.168.44.153/24"   # ip-conflict: also given to guest "web"
      }
    }

The diagnostic is at the second use (at the guest's, when a guest takes
an address of the host), with the first as related. Give each its own
address.
`,
	Run: func(p *Pass) {
		type use struct {
			guest *lang.Guest
			iface *lang.GuestInterface
			link  string // for an address of the host
			at    hcl.Range
		}
		describe := func(u use, g *lang.Guest) string {
			switch {
			case u.guest == nil:
				return fmt.Sprintf("the host itself, on its link %q at %s", u.link, Site(u.at))
			case u.guest == g:
				return fmt.Sprintf("interface %q of the same guest at %s", u.iface.Label.V, Site(u.at))
			}
			return fmt.Sprintf("guest %s at %s", u.guest.Name, Site(u.at))
		}
		for _, h := range p.Config.Hosts {
			first := map[netip.Addr]use{}
			for a := range HostAddrs(h) {
				addr := a.Prefix.Addr()
				if o, dup := first[addr]; dup {
					p.Report(a.Value.Range, "Address already used",
						fmt.Sprintf("Address %s of host %q on link %q is also given to %s. Remove one of them.",
							addr, h.Name.V, a.Link, describe(o, nil)),
						o.at)
					continue
				}
				first[addr] = use{link: a.Link, at: a.Value.Range}
			}
			for a := range p.GuestAddrs(h) {
				addr := a.Prefix.Addr()
				if o, dup := first[addr]; dup {
					p.Report(a.Interface.IP.Range, "Address already used",
						fmt.Sprintf("Address %s of interface %q of guest %s on host %q is also given to %s. Give each guest interface of a host its own address.",
							addr, a.Interface.Label.V, a.Guest.Name, h.Name.V, describe(o, a.Guest)),
						o.at)
					continue
				}
				first[addr] = use{guest: a.Guest, iface: a.Interface, at: a.Interface.IP.Range}
			}
		}
	},
}
