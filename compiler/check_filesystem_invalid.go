package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// projectQuotaTypes are the filesystem types with project quotas on a
// mainline kernel; vsc mounts ext2 and ext3 with the ext4 driver, which
// has them.
var projectQuotaTypes = map[string]bool{"xfs": true, "ext4": true, "ext3": true, "ext2": true}

var filesystemInvalid = &Check{
	Name:     "filesystem-invalid",
	Severity: hcl.DiagError,
	Doc: `Filesystem that cannot be tagged, or two filesystems on one mount point

On a mainline kernel, "tagxid" and "tag" become project quotas, which only
xfs and ext4 have; vsc mounts ext2 and ext3 with the ext4 driver, so they
qualify too (the filesystem still needs the project feature:
tune2fs -O project,quota). Any other type (btrfs, tmpfs, reiserfs…) with
the option would start without the disk limits it was declared for.

Two filesystem blocks of one host with one mount point (after cleaning the
path) would mount one over the other.

    filesystem "/var/lib/vservers" {
      device  = "/dev/vservers/guests"
      type    = "btrfs"        # filesystem-invalid: no project quotas
      options = ["tagxid"]
    }

Use xfs or ext4 for the guests' filesystem, and declare each mount point
once.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			first := map[string]*lang.Filesystem{}
			for _, fs := range h.Filesystems {
				if o, ok := TagOption(fs); ok && fs.Type.Set && !projectQuotaTypes[fs.Type.V] {
					p.Report(fs.Type.Range, "Filesystem type without project quotas",
						fmt.Sprintf("The filesystem at %q is mounted with %q, which vsc enforces with project quotas, but type %q has none on a mainline kernel. Use xfs or ext4 (ext2 and ext3 are mounted as ext4), or remove the option.",
							fs.MountPoint.V, o.V, fs.Type.V),
						o.Range)
				}
				mp, ok := cleanAbs(fs.MountPoint.V)
				if !ok || !fs.MountPoint.Set {
					continue
				}
				if o, dup := first[mp]; dup {
					p.Report(fs.MountPoint.Range, "Mount point already used",
						fmt.Sprintf("Host %q declares a filesystem at %q, as does the filesystem block at %s; one would be mounted over the other. Keep one of them.",
							h.Name.V, mp, Site(o.MountPoint.Range)),
						o.MountPoint.Range)
					continue
				}
				first[mp] = fs
			}
		}
	},
}
