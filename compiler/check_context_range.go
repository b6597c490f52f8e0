package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Context ids util-vserver reserves: 0 is the host, 1 the spectator that
// sees every context, and from 49152 on the kernel hands out dynamic ids.
const (
	MinContext = 2
	MaxContext = 49151
)

var contextRange = &Check{
	Name:     "context-range",
	Severity: hcl.DiagError,
	Doc: `Context id outside 2..49151

A guest's context (xid) is its identity: the cgroup it runs in and the
project id its files are tagged with. util-vserver reserves 0 for the host,
1 for the spectator context that sees all others, and 49152 and above for
dynamic contexts the kernel assigns itself. A static guest context must lie
in 2..49151.

    guest "web" {
      context = 1      # context-range: 1 is the spectator context
    }

Pick an unused number between 2 and 49151.
`,
	Run: func(p *Pass) {
		for _, g := range p.Config.Guests {
			c := g.Context
			if !c.Set || (c.V >= MinContext && c.V <= MaxContext) {
				continue
			}
			why := "contexts from 49152 on are dynamic, handed out by the kernel"
			switch {
			case c.V == 0:
				why = "context 0 is the host itself"
			case c.V == 1:
				why = "context 1 is the spectator context, which sees every guest"
			case c.V < 0:
				why = "context ids are not negative"
			}
			p.Report(c.Range, "Context id out of range",
				fmt.Sprintf("Guest %s has context %d, but %s. Give it a static context between %d and %d.", g.Name, c.V, why, MinContext, MaxContext))
		}
	},
}
