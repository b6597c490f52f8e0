package compiler

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// MaxSysName bounds a guest's name on the host, which names its folders,
// its cgroup and its address aliases.
const MaxSysName = 64

var nameInvalid = &Check{
	Name:     "name-invalid",
	Severity: hcl.DiagError,
	Doc: `Guest or alias name unusable on the host

A guest's name on the host — its label, or NAME-KEY for an instance of a
guest with for_each — becomes a folder (/etc/vservers/NAME, the default
root vservers_dir/NAME), the guest's cgroup and the name vsc commands take.
It must be a plain file name: only letters, digits, '.', '_' and '-', not
starting with '-' (it would read as an option) or '.' (hidden, or the
folders "." and ".."), and at most 64 bytes. A slash would reach into
another folder; a space or a control character breaks util-vserver's
shell scripts.

Two guests may not end up with one host-side name either: guest
"fleet-a" and the instance fleet["a"] of a guest with for_each would share
every folder.

An interface's alias name becomes part of the address label (eth0:NAME)
and follows the same character rule.

    guest "web server" {       # name-invalid: contains a space
      context = 300
    }

    interface "0" {
      dev  = "eth0"
      ip   = "192.168.44.153/24"
      name = "web/1"           # name-invalid: contains a slash
    }

Rename the guest or the alias, for example "web-server" and "web1".
`,
	Run: func(p *Pass) {
		first := make(map[string]*lang.Guest, len(p.Config.Guests))
		for _, g := range p.Config.Guests {
			if why := sysNameProblem(g.SysName); why != "" {
				p.Report(g.Label.Range, "Invalid guest name", nameDetail(g, why))
				continue
			}
			if o, dup := first[g.SysName]; dup {
				p.Report(g.Label.Range, "Guest name already used on the host",
					fmt.Sprintf("Guest %s is named %q on the host, as is guest %s at %s; their folders, cgroups and commands would collide. Rename one of them.",
						g.Name, g.SysName, o.Name, Site(o.Label.Range)),
					o.Label.Range)
				continue
			}
			first[g.SysName] = g
		}

		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			for _, i := range g.Interfaces {
				n := i.Name
				if !n.Set || !seen.first(n.Range, n.V) {
					continue
				}
				why := ""
				if n.V == "" {
					why = "it is empty"
				} else if r, ok := badNameRune(n.V); ok {
					why = "it contains " + describeRune(r)
				}
				if why != "" {
					p.Report(n.Range, "Invalid alias name",
						fmt.Sprintf("The alias name %q of interface %q of %s becomes part of the address label %q, but %s. Use only letters, digits, '.', '_' and '-'.",
							n.V, i.Label.V, owner(g), AliasLabel(i), why))
				}
			}
		})
	},
}

func nameDetail(g *lang.Guest, why string) string {
	if g.Name != g.SysName {
		return fmt.Sprintf("Guest %s is named %q on the host (its folders and cgroup), but %s. Change the for_each key or the block label so that the name holds only letters, digits, '.', '_' and '-', does not start with '-' or '.', and has at most %d bytes.",
			g.Name, g.SysName, why, MaxSysName)
	}
	return fmt.Sprintf("The guest name %q names its folders and cgroup on the host, but %s. Use only letters, digits, '.', '_' and '-', do not start with '-' or '.', and keep it to %d bytes.",
		g.SysName, why, MaxSysName)
}

// sysNameProblem says what makes a host-side guest name unusable, "" if
// nothing does.
func sysNameProblem(s string) string {
	switch {
	case s == "":
		return "it is empty"
	case s == "." || s == "..":
		return fmt.Sprintf("%q is a special folder name", s)
	}
	if r, ok := badNameRune(s); ok {
		return "it contains " + describeRune(r)
	}
	switch {
	case s[0] == '-':
		return "it starts with '-', which commands would read as an option"
	case s[0] == '.':
		return "it starts with '.', which hides its folder"
	case len(s) > MaxSysName:
		return fmt.Sprintf("it is %d bytes long", len(s))
	}
	return ""
}

// badNameRune returns the first character of s outside [A-Za-z0-9._-].
func badNameRune(s string) (rune, bool) {
	for _, r := range s {
		if !nameRune(r) {
			return r, true
		}
	}
	return 0, false
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

func describeRune(r rune) string {
	switch {
	case r == '/':
		return "a slash"
	case r == ' ':
		return "a space"
	case r == utf8.RuneError:
		return "bytes that are not UTF-8 text"
	case unicode.IsControl(r):
		return fmt.Sprintf("a control character (U+%04X)", r)
	case unicode.IsSpace(r):
		return fmt.Sprintf("white space (U+%04X)", r)
	}
	return fmt.Sprintf("%q", r)
}
