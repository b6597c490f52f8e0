package compiler

import (
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var aliasTooLong = &Check{
	Name:     "alias-too-long",
	Severity: hcl.DiagError,
	Doc: `Alias label dev:name over 15 bytes

A guest interface with a name gets the address label "dev:name" (what
ifconfig shows as an alias, eth0:web). The kernel keeps labels in IFNAMSIZ
bytes, NUL included, so a label holds at most 15 bytes; util-vserver found
out only when ip(8) refused the address at start.

    interface "0" {
      dev  = "eth0.7"
      ip   = "10.7.0.2/16"
      name = "webserver"   # alias-too-long: "eth0.7:webserver" is 16 bytes
    }

Give a shorter name: at most 15 bytes less the dev name and the colon.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			for _, i := range g.Interfaces {
				if !i.Dev.Set || !i.Name.Set {
					continue
				}
				label := AliasLabel(i)
				if len(label) <= MaxLinkName || !seen.first(i.Name.Range, label) {
					continue
				}
				room := MaxLinkName - len(i.Dev.V) - 1
				fix := fmt.Sprintf("Link %q leaves no room for a name: leave name out (the label is then the link's name), or use a link with a shorter name.", i.Dev.V)
				if room > 0 {
					fix = fmt.Sprintf("Give a name of at most %d bytes, such as name = %q.", room, truncate(i.Name.V, room))
				}
				p.Report(i.Name.Range, "Alias label too long",
					fmt.Sprintf("Interface %q of %s gets the address label %q, which is %d bytes; the kernel takes at most %d. %s",
						i.Label.V, owner(g), label, len(label), MaxLinkName, fix))
			}
		})
	},
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
