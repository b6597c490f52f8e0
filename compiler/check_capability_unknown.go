package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/ir"
	"vsc/lang"
)

var capabilityUnknown = &Check{
	Name:     "capability-unknown",
	Severity: hcl.DiagError,
	Doc: `Capability Linux does not have

capabilities.add and capabilities.drop name Linux capabilities — the
bounding set of the guest's processes — from CAP_CHOWN to
CAP_CHECKPOINT_RESTORE (see capabilities(7)). A name may be written in any
case, with or without the CAP_ prefix: "net_admin", "NET_ADMIN" and
"CAP_NET_ADMIN" are one capability. util-vserver's context capabilities
(ccapabilities such as SECURE_MOUNT or SET_UTSNAME) have no mainline
equivalent and are refused too.

    capabilities {
      drop = ["NET_RAW", "SYS_NCE"]   # capability-unknown: did you mean "SYS_NICE"?
    }

Fix the spelling, or remove the name.
`,
	Run: func(p *Pass) {
		seen := once{}
		names := ir.CapabilityNames()
		eachGuestBlock(p, func(g *lang.Guest) {
			if g.Capabilities == nil {
				return
			}
			for _, list := range []struct {
				name string
				v    lang.Strings
			}{{"add", g.Capabilities.Add}, {"drop", g.Capabilities.Drop}} {
				for _, e := range list.v.V {
					canon, _, ok := Capability(e.V)
					if ok || !seen.first(e.Range, e.V) {
						continue
					}
					detail := fmt.Sprintf("The capabilities.%s of %s names %q, which is not a Linux capability. Use a name from capabilities(7), such as \"NET_BIND_SERVICE\", with or without CAP_.", list.name, owner(g), e.V)
					switch {
					case e.V == "":
						detail = fmt.Sprintf("The capabilities.%s of %s holds an empty name. Remove it.", list.name, owner(g))
					case contextCapabilities[canon]:
						detail = fmt.Sprintf("The capabilities.%s of %s names %q, a util-vserver context capability (ccapabilities), which a mainline kernel does not have. Remove it.", list.name, owner(g), e.V)
					default:
						if s := lang.Suggest(canon, names); s != "" {
							detail = fmt.Sprintf("The capabilities.%s of %s names %q, which is not a Linux capability. Did you mean %q?", list.name, owner(g), e.V, s)
						}
					}
					p.Report(e.Range, "Unknown capability", detail)
				}
			}
		})
	},
}
