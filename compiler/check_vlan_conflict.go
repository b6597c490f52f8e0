package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var vlanConflict = &Check{
	Name:     "vlan-conflict",
	Severity: hcl.DiagError,
	Doc: `Two VLANs with one parent and id, or one name

On one parent link a VLAN id stands for one link: the kernel refuses a
second VLAN with the same parent and id. A link name is unique on a host,
so two vlan blocks may not share a name, nor may a vlan take the name of a
host interface; and an interface is declared once.

    vlan "eth0.7" {
      link = "eth0"
      id   = 7
    }
    vlan "lan7" {
      link = "eth0"
      id   = 7         # vlan-conflict: eth0 already has VLAN 7, "eth0.7"
    }

Remove the duplicate, and point guests, routes and VLANs at the remaining
name.
`,
	Run: func(p *Pass) {
		type tag struct {
			parent string
			id     int64
		}
		for _, h := range p.Config.Hosts {
			ifaces := map[string]hcl.Range{}
			for _, i := range h.Interfaces {
				if r, dup := ifaces[i.Name.V]; dup {
					p.Report(i.Name.Range, "Interface declared twice",
						fmt.Sprintf("Host %q declares interface %q twice; the first is at %s. Merge them into one block.",
							h.Name.V, i.Name.V, Site(r)),
						r)
					continue
				}
				ifaces[i.Name.V] = i.Name.Range
			}
			names := map[string]*lang.VLAN{}
			tags := map[tag]*lang.VLAN{}
			for _, v := range h.VLANs {
				if r, ok := ifaces[v.Name.V]; ok {
					p.Report(v.Name.Range, "VLAN named like an interface",
						fmt.Sprintf("VLAN %q of host %q has the name of the host's interface at %s; a host has one link of a name. Rename the VLAN.",
							v.Name.V, h.Name.V, Site(r)),
						r)
				} else if o, dup := names[v.Name.V]; dup {
					p.Report(v.Name.Range, "VLAN name already used",
						fmt.Sprintf("Host %q declares VLAN %q twice; the first is at %s. Rename or remove one of them.",
							h.Name.V, v.Name.V, Site(o.Name.Range)),
						o.Name.Range)
				} else {
					names[v.Name.V] = v
				}
				if !v.Link.Set || !v.ID.Set || v.ID.V < MinVLANID || v.ID.V > MaxVLANID {
					continue
				}
				k := tag{v.Link.V, v.ID.V}
				if o, dup := tags[k]; dup {
					p.Report(v.ID.Range, "VLAN id already used",
						fmt.Sprintf("VLAN %q of host %q has id %d on link %q, as VLAN %q at %s does; the kernel makes one link of a parent and an id. Remove one of them, or give it another id.",
							v.Name.V, h.Name.V, v.ID.V, v.Link.V, o.Name.V, Site(o.ID.Range)),
						o.ID.Range)
					continue
				}
				tags[k] = v
			}
		}
	},
}
