package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var rootConflict = &Check{
	Name:     "root-conflict",
	Severity: hcl.DiagError,
	Doc: `Two guests share a root, one root holds another, or a root is a system folder

A guest's root is the folder it is chrooted into: every file it sees. Two
guests of one host whose roots are equal, or one inside the other, would
read and change each other's files; a build or a disk limit of the outer
one would sweep up the inner one, and removing one would delete the
other. A root of "/" would hand the host's own files to the guest, and a
root in /proc, /sys or /dev lies on the kernel's pseudo-filesystems and
device nodes, where no guest can be built.

Roots are compared after cleaning ("/srv/a/" and "/srv//a" are "/srv/a").
A guest without a root attribute gets the host's vservers_dir/NAME; the
diagnostic then points at its name. Guests of different hosts never
conflict.

    guest "web" {
      context = 300
      root    = "/srv/web"
    }
    guest "api" {
      context = 301
      root    = "/srv/web/api"   # root-conflict: inside the root of guest "web"
    }

Give every guest a folder of its own, side by side, such as
/var/lib/vservers/web and /var/lib/vservers/api.
`,
	Run: func(p *Pass) {
		type site struct {
			g    *lang.Guest
			root string
			r    hcl.Range
		}
		seen := once{}
		for _, h := range p.Config.Hosts {
			byRoot := map[string]site{}
			var order []site
			for _, g := range p.GuestsOf(h) {
				if !g.Root.Set && sysNameProblem(g.SysName) != "" {
					continue // name-invalid says why; its default root means nothing
				}
				raw, r := p.RootOf(g)
				root, ok := cleanAbs(raw)
				if !ok {
					continue // path-invalid
				}
				if why := systemRoot(root); why != "" {
					if seen.first(r, "system "+root) {
						p.Report(r, "Root is a system folder",
							fmt.Sprintf("The root %q of guest %s%s is %s. %s",
								root, g.Name, defaultRootNote(g), why, systemRootFix(g)))
					}
					continue
				}
				s := site{g, root, r}
				if o, dup := byRoot[root]; dup {
					// Two default roots are equal only when the names are:
					// name-invalid reports that.
					if (g.Root.Set || o.g.Root.Set) && seen.first(r, "equal "+root) {
						p.Report(r, "Root already used",
							fmt.Sprintf("Guest %s has the root %q%s, which is also the root of guest %s at %s; the two would share every file. Give each guest its own root.",
								g.Name, root, defaultRootNote(g), o.g.Name, Site(o.r)),
							o.r)
					}
					continue
				}
				byRoot[root] = s
				order = append(order, s)
			}
			// Walking each root's parents finds every nesting in
			// O(guests × depth), whatever the order of declaration.
			for _, s := range order {
				parents(s.root, func(dir string) bool {
					o, ok := byRoot[dir]
					if !ok {
						return true
					}
					if seen.first(s.r, "nested "+s.root) {
						p.Report(s.r, "Root inside another guest's root",
							fmt.Sprintf("The root %q of guest %s%s lies inside %q, the root of guest %s at %s; each guest would reach the other's files, and a build or disk limit of %s would cover both. Move the roots side by side.",
								s.root, s.g.Name, defaultRootNote(s.g), o.root, o.g.Name, Site(o.r), o.g.Name),
							o.r)
					}
					return false
				})
			}
		}
	},
}

// systemRoot says why a cleaned root is one no guest may have, "" if it
// is not.
func systemRoot(root string) string {
	if root == "/" {
		return "the host's own root folder"
	}
	for _, d := range []string{"/proc", "/sys", "/dev"} {
		if under(root, d) {
			return fmt.Sprintf("on the host's %s, which the kernel fills itself", d)
		}
	}
	return ""
}

// defaultRootNote tells, in a message, that a root is the default one.
func defaultRootNote(g *lang.Guest) string {
	if g.Root.Set {
		return ""
	}
	return " (the default: the host's vservers_dir/NAME)"
}

func systemRootFix(g *lang.Guest) string {
	if g.Root.Set {
		return fmt.Sprintf("Give the guest a folder of its own, such as %s/%s.", DefaultVserversDir, g.SysName)
	}
	return fmt.Sprintf("Set the host's vservers_dir to a folder that holds guests, such as %s.", DefaultVserversDir)
}
