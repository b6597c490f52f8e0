package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// VLAN ids 802.1Q leaves to VLANs: 0 marks priority-tagged frames of no
// VLAN, 4095 is reserved.
const (
	MinVLANID = 1
	MaxVLANID = 4094
)

var vlanInvalid = &Check{
	Name:     "vlan-invalid",
	Severity: hcl.DiagError,
	Doc: `VLAN id outside 1..4094, bad link name, or parent missing

A vlan block is a link vsc creates (vconfig add eth0 7, or ip link add
link eth0 name eth0.7 type vlan id 7). The kernel refuses it when:

  - the id is outside 1..4094: 802.1Q tags have 12 bits, 0 marks frames
    of no VLAN and 4095 is reserved;
  - the name is longer than 15 bytes (IFNAMSIZ less its NUL), is empty,
    "." or "..", or holds "/", ":" or white space (":" would read as an
    alias label);
  - the parent link is not a link of the host: declare it as an interface
    (an existing link) or as another vlan; a VLAN cannot be its own
    ancestor.

    vlan "eth0.4095" {
      link = "eth0"
      id   = 4095      # vlan-invalid: ids are 1..4094
    }

Fix the id, shorten or rename the link, or declare its parent.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			links := Links(h)
			byName := map[string]*lang.VLAN{}
			for _, v := range h.VLANs {
				if _, dup := byName[v.Name.V]; !dup {
					byName[v.Name.V] = v
				}
			}
			candidates := slices.Sorted(maps.Keys(links))
			for _, v := range h.VLANs {
				if v.ID.Set && (v.ID.V < MinVLANID || v.ID.V > MaxVLANID) {
					why := "802.1Q tags have 12 bits"
					switch v.ID.V {
					case 0:
						why = "802.1Q uses 0 for priority-tagged frames that belong to no VLAN"
					case 4095:
						why = "802.1Q reserves 4095"
					}
					p.Report(v.ID.Range, "VLAN id out of range",
						fmt.Sprintf("VLAN %q of host %q has id %d, but %s. Give an id between %d and %d.",
							v.Name.V, h.Name.V, v.ID.V, why, MinVLANID, MaxVLANID))
				}
				if v.Name.Set {
					if why := linkNameProblem(v.Name.V); why != "" {
						p.Report(v.Name.Range, "Invalid link name",
							fmt.Sprintf("VLAN %q of host %q cannot be created: %s. Rename it; the usual name is the parent's name, a dot and the id (eth0.7).",
								v.Name.V, h.Name.V, why))
					}
				}
				if !v.Link.Set || v.Link.V == v.Name.V {
					continue // its own parent: reported with cycles below
				}
				if _, ok := links[v.Link.V]; !ok {
					p.Report(v.Link.Range, "Parent link missing",
						fmt.Sprintf("VLAN %q of host %q is on link %q, which the host does not declare.%s Declare it as an interface (an existing link) or a vlan, or fix the name.",
							v.Name.V, h.Name.V, v.Link.V, didYouMean(v.Link.V, slices.DeleteFunc(slices.Clone(candidates), func(c string) bool { return c == v.Name.V }))))
				}
			}

			// A chain of parents must end at an interface: follow each
			// VLAN's once, marking those on the current path.
			const onPath, done = 1, 2
			state := map[*lang.VLAN]int{}
			for _, v := range h.VLANs {
				var path []*lang.VLAN
				cur := v
				for cur != nil && state[cur] == 0 {
					state[cur] = onPath
					path = append(path, cur)
					if !cur.Link.Set {
						cur = nil
						break
					}
					cur = byName[cur.Link.V]
				}
				if cur != nil && state[cur] == onPath {
					cycle := path[slices.Index(path, cur):]
					names := make([]string, 0, len(cycle)+1)
					for _, c := range cycle {
						names = append(names, c.Name.V)
					}
					names = append(names, cur.Name.V)
					for _, c := range cycle {
						why := fmt.Sprintf("its chain of parents %s comes back to it", strings.Join(names, " → "))
						if len(cycle) == 1 {
							why = "it names itself as its parent"
						}
						p.Report(c.Link.Range, "VLAN is its own ancestor",
							fmt.Sprintf("VLAN %q of host %q cannot be created: %s. Make its link an interface of the host, or a VLAN on one.",
								c.Name.V, h.Name.V, why))
					}
				}
				for _, c := range path {
					state[c] = done
				}
			}
		}
	},
}

// linkNameProblem says why the kernel would refuse a link name
// (dev_valid_name), "" when it would not.
func linkNameProblem(name string) string {
	switch {
	case name == "":
		return "a link name cannot be empty"
	case len(name) > MaxLinkName:
		return fmt.Sprintf("%q is %d bytes, and the kernel takes at most %d (IFNAMSIZ less its NUL)", name, len(name), MaxLinkName)
	case name == "." || name == "..":
		return fmt.Sprintf("%q is not a usable link name", name)
	case strings.ContainsAny(name, "/:") || strings.ContainsFunc(name, unicode.IsSpace):
		return fmt.Sprintf("%q holds \"/\", \":\" or white space, which link names cannot", name)
	}
	return ""
}
