package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var syscallConflict = &Check{
	Name:     "syscall-conflict",
	Severity: hcl.DiagError,
	Doc: `Syscall both allowed and denied

A guest's seccomp block names one syscall in both allow and deny. The two
contradict each other and vsc will not guess which one was meant. This
happens most often when a guest allows a syscall the defaults block
denies: a guest's allow replaces the defaults' allow, but the defaults'
deny still applies.

    defaults {
      seccomp {
        deny = ["mbind"]
      }
    }
    guest "numa" {
      context = 300
      seccomp {
        allow = ["mbind"]   # syscall-conflict: also denied by the defaults
      }
    }

Remove the name from one of the two lists; to override a deny of the
defaults block, give the guest its own deny list (deny = [] keeps none of
the defaults' additions; the built-in filter stays).
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			s := g.Seccomp
			if s == nil || !s.Allow.Set || !s.Deny.Set {
				return
			}
			allowed := map[string]lang.Val[string]{}
			for _, e := range s.Allow.V {
				if _, dup := allowed[e.V]; !dup {
					allowed[e.V] = e
				}
			}
			for _, e := range s.Deny.V {
				a, both := allowed[e.V]
				if !both || !seen.first(a.Range, e.V+" "+Site(e.Range)) {
					continue
				}
				p.Report(a.Range, "Syscall both allowed and denied",
					fmt.Sprintf("%s allows %s, which the seccomp.deny at %s denies. Remove it from one of the two lists.",
						upperFirst(owner(g)), e.V, Site(e.Range)),
					e.Range)
			}
		})
	},
}
