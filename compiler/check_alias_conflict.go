package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var aliasConflict = &Check{
	Name:     "alias-conflict",
	Severity: hcl.DiagError,
	Doc: `Two aliases with one label on one link

Two guest interfaces of one host that name one alias on one link get one
address label, "dev:name": the tools that list aliases (ifconfig, ip addr
show label) could not tell them apart, and vsc could not tell which
address to remove when one guest stops. Interfaces without a name carry the
bare link name as label and may share it.

    guest "web" {
      interface "0" {
        dev  = "eth0"
        ip   = "192.168.44.153/24"
        name = "www"
      }
    }
    guest "blog" {
      interface "0" {
        dev  = "eth0"
        ip   = "192.168.44.154/24"
        name = "www"    # alias-conflict: eth0:www is also guest "web"'s
      }
    }

Give each alias of a link its own name; the guest's name is a good one.
`,
	Run: func(p *Pass) {
		type use struct {
			guest *lang.Guest
			iface *lang.GuestInterface
		}
		for _, h := range p.Config.Hosts {
			first := map[string]use{}
			for _, g := range p.GuestsOf(h) {
				for _, i := range g.Interfaces {
					if !i.Dev.Set || !i.Name.Set {
						continue
					}
					label := AliasLabel(i)
					o, dup := first[label]
					if !dup {
						first[label] = use{g, i}
						continue
					}
					who := fmt.Sprintf("guest %s's interface %q", o.guest.Name, o.iface.Label.V)
					if o.guest == g {
						who = fmt.Sprintf("this guest's interface %q", o.iface.Label.V)
					}
					p.Report(i.Name.Range, "Alias label already used",
						fmt.Sprintf("Interface %q of guest %s gets the address label %q on host %q, as %s at %s does. Give each alias of a link its own name.",
							i.Label.V, g.Name, label, h.Name.V, who, Site(o.iface.Name.Range)),
						o.iface.Name.Range)
				}
			}
		}
	},
}
