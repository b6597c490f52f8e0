package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

var routeMissing = &Check{
	Name:     "route-missing",
	Severity: hcl.DiagWarning,
	Doc: `A guest address on a VLAN that no rule sends to a table

A guest on a VLAN answers through the VLAN's own gateway only if a rule
sends the traffic from its address to the VLAN's routing table (the
course's ip rule add from 10.7.0.0/16 table 7). Without one, its replies
follow the main table: they leave through the host's default gateway, on
another link, where they are dropped or answered from the wrong network.

    vlan "eth0.9" {
      link = "eth0"
      id   = 9
    }
    …
    interface "0" {
      dev = "eth0.9"
      ip  = "10.9.0.2/16"   # route-missing: no rule's from holds 10.9.0.2
    }

Add a table for the VLAN with its routes, and a rule whose from is the
guest's network:

    rule {
      from  = "10.9.0.0/16"
      table = "vlan9"
    }
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			if len(h.VLANs) == 0 {
				continue
			}
			vlans := make(map[string]bool, len(h.VLANs))
			for _, v := range h.VLANs {
				vlans[v.Name.V] = true
			}
			var rules PrefixIndex[struct{}]
			unknown := false
			for _, r := range h.Rules {
				from, err := RuleNetwork(r)
				if !r.From.Set || err != nil {
					unknown = true
					break
				}
				rules.Add(from, struct{}{})
			}
			if unknown {
				continue // a rule ip-invalid reports may be the one meant
			}
			for a := range p.GuestAddrs(h) {
				dev := a.Interface.Dev.V
				if !vlans[dev] || rules.Contains(a.Prefix.Addr()) {
					continue
				}
				p.Report(a.Interface.IP.Range, "No rule for a VLAN address",
					fmt.Sprintf("Address %s of guest %s is on VLAN %q, but no rule of host %q has a from that holds it, so its replies would follow the main table instead of the VLAN's. Add a rule { from = %q table = \"…\" } that sends it to the VLAN's table.",
						a.Prefix.Addr(), a.Guest.Name, dev, h.Name.V, a.Prefix.Masked().String()))
			}
		}
	},
}
