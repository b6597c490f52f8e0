package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// dangerousCapabilities are those whose holder can reach past its guest
// into the host, with what each allows.
var dangerousCapabilities = map[string]string{
	"SYS_ADMIN":       "mount filesystems, create namespaces and change much of the host kernel's settings",
	"SYS_MODULE":      "load kernel modules, that is run any code inside the host's kernel",
	"SYS_RAWIO":       "reach I/O ports, raw disks and physical memory",
	"SYS_BOOT":        "reboot the host, or replace its kernel with kexec",
	"SYS_PTRACE":      "trace processes and read or change their memory",
	"MKNOD":           "create device nodes, doors to the host's disks and memory",
	"NET_ADMIN":       "reconfigure the host's links, addresses, routes and firewall",
	"DAC_READ_SEARCH": "read any file, and open files by handle outside its root",
	"SYS_TIME":        "set the host's clock, shared by every guest",
}

var capabilityDangerous = &Check{
	Name:     "capability-dangerous",
	Severity: hcl.DiagWarning,
	Doc: `Adding a capability that reaches into the host

Guests share the host's kernel. Some capabilities act on that kernel, or
on what every guest shares, rather than on the guest alone: SYS_ADMIN,
SYS_MODULE, SYS_RAWIO, SYS_BOOT, SYS_PTRACE, MKNOD, NET_ADMIN,
DAC_READ_SEARCH and SYS_TIME. A guest given one of them can break out of
its isolation or disturb the host; the course calls changing capabilities
"rarely needed, and dangerous for security".

    capabilities {
      add = ["SYS_ADMIN"]   # capability-dangerous: mount filesystems, …
    }

Do the privileged work from the host (a hook, a mount block) instead of
inside the guest, or accept the warning knowingly.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			if g.Capabilities == nil {
				return
			}
			for _, e := range g.Capabilities.Add.V {
				canon, _, ok := Capability(e.V)
				what, bad := dangerousCapabilities[canon]
				if !ok || !bad || !seen.first(e.Range, canon) {
					continue
				}
				p.Report(e.Range, "Dangerous capability added",
					fmt.Sprintf("%s adds %s, which lets it %s. Do this work from the host instead if you can, or keep it knowingly.",
						upperFirst(owner(g)), canon, what))
			}
		})
	},
}
