package compiler

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// referenceCheck covers references lang resolves while evaluating (var,
// local, each, functions) and, in Run, the names a configuration gives to
// its own objects: hosts, links, tables.
var referenceCheck = &Check{
	Name:     "reference",
	Severity: hcl.DiagError,
	Doc: `Undefined variable, local, host, interface, VLAN or table

A reference to something that is not declared: var.NAME without a
variable block, local.NAME without a locals entry, each outside for_each,
an unknown function, a guest's host, an interface dev, a route's dev, or a
rule's table that the host does not declare. Local values that refer to
each other in a cycle are reported here too.

    interface "0" {
      dev = "eth0.9"    # reference: host "srv1" has no link "eth0.9"
      ip  = "10.9.0.2/16"
    }

Declare the missing object (an interface block for an existing link, a
vlan block for a link vsc should create), or fix the name.
`,
	Run: func(p *Pass) {
		hostNames := make([]string, 0, len(p.Config.Hosts))
		for _, h := range p.Config.Hosts {
			hostNames = append(hostNames, h.Name.V)
		}
		links := map[*lang.Host]map[string]hcl.Range{}
		linksOf := func(h *lang.Host) map[string]hcl.Range {
			l, ok := links[h]
			if !ok {
				l = Links(h)
				links[h] = l
			}
			return l
		}

		for _, g := range p.Config.Guests {
			switch {
			case g.Host.Set && p.Host(g.Host.V) == nil:
				p.Report(g.Host.Range, "Unknown host",
					fmt.Sprintf("Guest %s runs on host %q, which is not declared.%s Declare a host block of that name, or fix the name.",
						g.Name, g.Host.V, didYouMean(g.Host.V, hostNames)))
			case !g.Host.Set && len(hostNames) == 0:
				p.Report(g.Label.Range, "No host",
					fmt.Sprintf("Guest %s has no host to run on: the configuration declares none. Add a host block.", g.Name))
			case !g.Host.Set && len(hostNames) > 1:
				p.Report(g.Label.Range, "Guest without host",
					fmt.Sprintf("Guest %s does not say which host it runs on, and the configuration declares several: %s. Add host = %q (or another of them) to the guest.",
						g.Name, quoteList(hostNames), hostNames[0]))
			}
			h := p.HostOf(g)
			if h == nil {
				continue
			}
			for _, i := range g.Interfaces {
				if !i.Dev.Set {
					continue
				}
				if _, ok := linksOf(h)[i.Dev.V]; !ok {
					p.Report(i.Dev.Range, "Unknown link",
						fmt.Sprintf("Interface %q of guest %s is on link %q, but host %q has no link of that name.%s Declare it on the host (an interface block for an existing link, a vlan block for one vsc creates), or fix the name.",
							i.Label.V, g.Name, i.Dev.V, h.Name.V, didYouMean(i.Dev.V, slices.Sorted(maps.Keys(linksOf(h))))))
				}
			}
		}

		for _, h := range p.Config.Hosts {
			var tableNames []string
			for _, t := range h.Tables {
				tableNames = append(tableNames, t.Name.V)
			}
			for _, t := range h.Tables {
				for _, r := range t.Routes {
					if !r.Dev.Set {
						continue
					}
					if _, ok := linksOf(h)[r.Dev.V]; !ok {
						p.Report(r.Dev.Range, "Unknown link",
							fmt.Sprintf("A route of table %q goes out through link %q, but host %q has no link of that name.%s Declare it on the host (an interface or a vlan block), or fix the name.",
								t.Name.V, r.Dev.V, h.Name.V, didYouMean(r.Dev.V, slices.Sorted(maps.Keys(linksOf(h))))))
					}
				}
			}
			for _, r := range h.Rules {
				if !r.Table.Set {
					continue
				}
				if id, ok := TableID(h, r.Table.V); ok && id >= 1 && id <= math.MaxUint32 {
					continue
				}
				hint := didYouMean(r.Table.V, tableNames)
				for id, name := range reservedTables {
					if name == r.Table.V && id != 0 {
						hint = fmt.Sprintf(" The kernel's %s table is number %d: write table = \"%d\".", name, id, id)
					}
				}
				p.Report(r.Table.Range, "Unknown table",
					fmt.Sprintf("This rule of host %q sends to table %q, which is neither a table the host declares nor a table number.%s Declare a table block of that name, or give a declared table's name or a number.",
						h.Name.V, r.Table.V, hint))
			}
		}
	},
}

// didYouMean returns ` Did you mean "x"?` when a candidate is close to
// name, "" otherwise.
func didYouMean(name string, candidates []string) string {
	if s := lang.Suggest(name, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}
