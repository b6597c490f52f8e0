package compiler

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// reservedTables are the routing tables the kernel keeps for itself, by
// number, with the names iproute2 gives them.
var reservedTables = map[int64]string{0: "unspec", 253: "default", 254: "main", 255: "local"}

var tableInvalid = &Check{
	Name:     "table-invalid",
	Severity: hcl.DiagError,
	Doc: `Reserved or reused routing table id or name

A table block is a routing table vsc fills (ip route add … table 7). Its id
is a number from 1 to 4294967295 (2^32 − 1), except those the kernel keeps
for itself: 0 (unspec, "no table"), 253 (default), 254 (main) and 255
(local); routes added there would mix with the host's own. On one host two
tables may not share an id (they would be one table to the kernel), nor a
name (a rule's table would be ambiguous). A name may not be one of the
kernel's table names, nor a number other than the table's own id, since a
rule's table = "8" would then not mean table 8. Within a table, a route
needs a gateway (via) or a link (dev), and two routes to one destination
would be one route to the kernel.

    table "vlan7" {
      id = 254     # table-invalid: 254 is the kernel's main table
    }

Pick an unused id, for instance the VLAN id, and a name of its own.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			ids := map[int64]*lang.Table{}
			names := map[string]*lang.Table{}
			for _, t := range h.Tables {
				routeProblems(p, h, t)
				if o, dup := names[t.Name.V]; dup {
					p.Report(t.Name.Range, "Table name already used",
						fmt.Sprintf("Host %q declares table %q twice; the first is at %s. Rename or merge them.",
							h.Name.V, t.Name.V, Site(o.Name.Range)),
						o.Name.Range)
				} else {
					names[t.Name.V] = t
					tableNameProblem(p, h, t)
				}
				if !t.ID.Set {
					continue
				}
				id := t.ID.V
				switch name, reserved := reservedTables[id]; {
				case reserved:
					p.Report(t.ID.Range, "Reserved table id",
						fmt.Sprintf("Table %q of host %q has id %d, the kernel's %s table. Give it an unused id between 1 and 252, or above 255.",
							t.Name.V, h.Name.V, id, name))
				case id < 0 || id > math.MaxUint32:
					p.Report(t.ID.Range, "Table id out of range",
						fmt.Sprintf("Table %q of host %q has id %d, but table ids are 1..%d. Give it an unused id in that range.",
							t.Name.V, h.Name.V, id, uint32(math.MaxUint32)))
				default:
					if o, dup := ids[id]; dup {
						p.Report(t.ID.Range, "Table id already used",
							fmt.Sprintf("Table %q of host %q has id %d, as table %q at %s does; to the kernel they would be one table. Give each table its own id, or merge them.",
								t.Name.V, h.Name.V, id, o.Name.V, Site(o.ID.Range)),
							o.ID.Range)
						continue
					}
					ids[id] = t
				}
			}
		}
	},
}

// tableNameProblem reports a table name a rule could not refer to
// unambiguously: a kernel table's name, or another table's number.
func tableNameProblem(p *Pass, h *lang.Host, t *lang.Table) {
	name := t.Name.V
	for id, kernel := range reservedTables {
		if name == kernel {
			p.Report(t.Name.Range, "Reserved table name",
				fmt.Sprintf("Table %q of host %q has the name iproute2 gives the kernel's table %d, so a rule's table = %q could mean either. Name it after what it routes, such as \"vlan7\".",
					name, h.Name.V, id, name))
			return
		}
	}
	if n, err := strconv.ParseInt(name, 10, 64); err == nil && t.ID.Set && n != t.ID.V {
		p.Report(t.Name.Range, "Table named like another number",
			fmt.Sprintf("Table %q of host %q has id %d; a rule's table = %q would mean this table, not table %d. Name it %q, or after what it routes.",
				name, h.Name.V, t.ID.V, name, n, strconv.FormatInt(t.ID.V, 10)))
	}
}

// routeProblems reports routes of one table that the kernel could not
// take: one without via or dev, or a second route to one destination.
func routeProblems(p *Pass, h *lang.Host, t *lang.Table) {
	seen := make(map[netip.Prefix]*lang.Route, len(t.Routes))
	for _, r := range t.Routes {
		if !r.Via.Set && !r.Dev.Set {
			p.Report(r.DeclRange, "Route without via or dev",
				fmt.Sprintf("A route of table %q of host %q needs a gateway (via = \"10.7.0.1\") or a link (dev = \"eth0.7\"), or both. Add the one that says where its packets go.", t.Name.V, h.Name.V))
		}
		if !r.To.Set {
			continue
		}
		to, err := RouteNetwork(r)
		if err != nil {
			continue // ip-invalid reports it
		}
		if o, dup := seen[to]; dup {
			p.Report(r.To.Range, "Route destination repeated",
				fmt.Sprintf("Table %q of host %q already has a route to %s at %s; the kernel keeps one route per destination in a table. Merge them, or remove one.",
					t.Name.V, h.Name.V, to, Site(o.To.Range)),
				o.To.Range)
			continue
		}
		seen[to] = r
	}
}
