package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

var tagOnRoot = &Check{
	Name:     "tag-on-root",
	Severity: hcl.DiagWarning,
	Doc: `tagxid or tag on the root filesystem

The course says it plainly: putting "tagxid" on the "/" partition is
strongly discouraged ("très déconseillé"). The option can only be set when
the filesystem is mounted, so on "/" it means changing how the host boots;
every file of the host is then tagged and counted; and a mistake in the
quota setup affects the host itself, not only its guests.

    filesystem "/" {
      device  = "/dev/sda1"
      type    = "ext4"
      options = ["tagxid"]   # tag-on-root
    }

Put the guests on a partition of their own (a logical volume mounted at
/var/lib/vservers, say) and mount that one with tagxid.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			for _, fs := range h.Filesystems {
				if mp, ok := cleanAbs(fs.MountPoint.V); !ok || mp != "/" {
					continue
				}
				if o, ok := TagOption(fs); ok {
					p.Report(o.Range, "Context tagging on the root filesystem",
						fmt.Sprintf("Host %q mounts its root filesystem with %q. Tagging \"/\" is strongly discouraged: it can only be set at boot, tags every file of the host, and a quota mistake hits the host itself. Give the guests a filesystem of their own, mounted with %q, and remove the option here.",
							h.Name.V, o.V, o.V))
				}
			}
		}
	},
}
