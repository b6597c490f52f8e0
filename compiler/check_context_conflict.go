package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var contextConflict = &Check{
	Name:     "context-conflict",
	Severity: hcl.DiagError,
	Doc: `Two guests of one host share a context id

The context id is a guest's identity on its host: its cgroup, the project
id of its files and disk limit. Two guests with one context on one host
would share all of them — their processes and files would be one guest's
to the kernel. Guests on different hosts may reuse an id.

    guest "web" { context = 300 }
    guest "db"  { context = 300 }   # context-conflict: also used by guest "web"

Give each guest of a host its own context.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			first := map[int64]*lang.Guest{}
			for _, g := range p.GuestsOf(h) {
				if !g.Context.Set {
					continue
				}
				if o, dup := first[g.Context.V]; dup {
					p.Report(g.Context.Range, "Context id already used",
						fmt.Sprintf("Context %d of guest %s is also used by guest %s at %s on host %q. Give each guest of a host its own context.",
							g.Context.V, g.Name, o.Name, Site(o.Context.Range), h.Name.V),
						o.Context.Range)
					continue
				}
				first[g.Context.V] = g
			}
		}
	},
}
