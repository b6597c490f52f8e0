package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var capabilityConflict = &Check{
	Name:     "capability-conflict",
	Severity: hcl.DiagError,
	Doc: `Capability both added and dropped

A guest's capabilities block names one capability in both add and drop
(whatever the case or CAP_ prefix). The two contradict each other and vsc
will not guess which one was meant. This happens most often when a guest
adds a capability the defaults block drops: a guest's add replaces the
defaults' add, but the defaults' drop still applies.

    defaults {
      capabilities {
        drop = ["NET_ADMIN"]
      }
    }
    guest "router" {
      context = 300
      capabilities {
        add = ["NET_ADMIN"]   # capability-conflict: also dropped by the defaults
      }
    }

Remove the name from one of the two lists; to override a drop of the
defaults block, give the guest its own drop list (drop = [] keeps none).
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			c := g.Capabilities
			if c == nil || !c.Add.Set || !c.Drop.Set {
				return
			}
			added := map[string]lang.Val[string]{}
			for _, e := range c.Add.V {
				if canon, _, ok := Capability(e.V); ok {
					if _, dup := added[canon]; !dup {
						added[canon] = e
					}
				}
			}
			for _, e := range c.Drop.V {
				canon, _, ok := Capability(e.V)
				if !ok {
					continue
				}
				a, both := added[canon]
				if !both || !seen.first(a.Range, canon+" "+Site(e.Range)) {
					continue
				}
				p.Report(a.Range, "Capability both added and dropped",
					fmt.Sprintf("%s adds %s, which the capabilities.drop at %s drops too. Remove it from one of the two lists.",
						upperFirst(owner(g)), canon, Site(e.Range)),
					e.Range)
			}
		})
	},
}
