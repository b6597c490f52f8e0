package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var syscallDangerous = &Check{
	Name:     "syscall-dangerous",
	Severity: hcl.DiagWarning,
	Doc: `Allowing a syscall the default filter denies

Every guest runs under a syscall filter that refuses, with EPERM, what
no guest needs and what reaches past it into the shared kernel: opening
files by handle (open_by_handle_at, the "shocker" escape), loading
kernel modules or a new kernel (init_module, finit_module, kexec_load),
BPF programs and performance counters (bpf, perf_event_open), the
kernel's keyrings (keyctl, add_key, request_key), userfaultfd, io_uring,
swap, process accounting, the host's clock (settimeofday,
clock_settime), I/O ports (iopl, ioperm), the kernel log (syslog) and
the host's quotas. seccomp.allow takes a syscall out of that list; each
one it takes out weakens the guest's walls.

    seccomp {
      allow = ["io_uring_setup"]   # syscall-dangerous: use io_uring, a large attack surface…
    }

Keep the default filter if you can; allow only what a program of the
guest really needs, knowingly. The whole list is in docs/security.md.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			if g.Seccomp == nil {
				return
			}
			for _, e := range g.Seccomp.Allow.V {
				what := DeniedSyscall(e.V)
				if what == "" || !seen.first(e.Range, e.V) {
					continue
				}
				p.Report(e.Range, "Dangerous syscall allowed",
					fmt.Sprintf("%s allows %s, which the default filter denies: it would let the guest %s. Keep it denied if you can, or allow it knowingly.",
						upperFirst(owner(g)), e.V, what))
			}
		})
	},
}
