package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/ir"
	"vsc/lang"
)

var syscallUnknown = &Check{
	Name:     "syscall-unknown",
	Severity: hcl.DiagError,
	Doc: `Syscall Linux does not have

seccomp.allow and seccomp.deny name Linux syscalls, spelled as the
kernel's syscall tables spell them (lower case, as in syscalls(2):
"open_by_handle_at", "kexec_load"), on any of the ABIs vsc knows (x86_64,
i386, x32, aarch64, arm). A name that is none of them would be silently
ignored by a filter, so it is refused.

    seccomp {
      deny = ["mbind", "open_by_handel_at"]   # syscall-unknown: did you mean "open_by_handle_at"?
    }

Fix the spelling, or remove the name.
`,
	Run: func(p *Pass) {
		seen := once{}
		names := ir.SyscallNames()
		eachGuestBlock(p, func(g *lang.Guest) {
			for list, e := range seccompNames(g) {
				if ir.Syscall(e.V) || !seen.first(e.Range, e.V) {
					continue
				}
				detail := fmt.Sprintf("The seccomp.%s of %s names %q, which is not a Linux syscall. Use a name of syscalls(2), in lower case, such as \"open_by_handle_at\".", list, owner(g), e.V)
				if s := lang.Suggest(e.V, names); s != "" {
					detail = fmt.Sprintf("The seccomp.%s of %s names %q, which is not a Linux syscall. Did you mean %q?", list, owner(g), e.V, s)
				}
				p.Report(e.Range, "Unknown syscall", detail)
			}
		})
	},
}

// seccompNames yields the names of a guest's seccomp block with the list
// each is in: allow first, then deny.
func seccompNames(g *lang.Guest) func(yield func(string, lang.Val[string]) bool) {
	return func(yield func(string, lang.Val[string]) bool) {
		if g.Seccomp == nil {
			return
		}
		for _, e := range g.Seccomp.Allow.V {
			if !yield("allow", e) {
				return
			}
		}
		for _, e := range g.Seccomp.Deny.V {
			if !yield("deny", e) {
				return
			}
		}
	}
}
