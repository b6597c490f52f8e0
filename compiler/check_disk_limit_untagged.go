package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var diskLimitUntagged = &Check{
	Name:     "disk-limit-untagged",
	Severity: hcl.DiagError,
	Doc: `Disk limit on a filesystem not mounted with tagxid or tag

A disk limit counts the blocks and inodes of the files tagged with the
guest's context. util-vserver needs the filesystem mounted with "tagxid"
(VServer 2.0) or "tag" (2.2); vsc turns that option into project quotas,
which the kernel only enables when the filesystem is mounted — they cannot
be added with "mount -o remount". A limit on a filesystem mounted without
them is silently never enforced.

The check finds the filesystem the limit's folder (disk_limit.directory,
or the guest's root) lies on: among the host's filesystem blocks, the one
with the longest mount point enclosing it. It fires when there is none,
or when that filesystem lacks the option.

    host "srv1" {
      filesystem "/var/lib/vservers" {
        device = "/dev/vservers/guests"
        type   = "ext4"                 # no options = ["tagxid"]
      }
    }
    guest "web" {
      context = 300
      disk_limit {
        space_total = "2GiB"            # disk-limit-untagged
      }
    }

Declare the filesystem holding the guests' roots with
options = ["tagxid"] (best a partition of their own, not "/"), and mount it
again — unmount and mount, not remount — before applying.
`,
	Run: func(p *Pass) {
		seen := once{}
		for _, h := range p.Config.Hosts {
			byMount := filesystems(h)
			for _, g := range p.GuestsOf(h) {
				if g.DiskLimit == nil {
					continue
				}
				if !g.DiskLimit.Directory.Set && !g.Root.Set && sysNameProblem(g.SysName) != "" {
					continue // name-invalid
				}
				raw, r := p.DiskLimitDir(g)
				dir, ok := cleanAbs(raw)
				if !ok {
					continue // path-invalid
				}
				fs := filesystemOf(byMount, dir)
				if fs == nil {
					if seen.first(r, dir) {
						p.Report(r, "Disk limit on an undeclared filesystem",
							fmt.Sprintf("The disk limit of guest %s applies to %q, which lies on no filesystem host %q declares, so vsc cannot tell that it has project quotas. Declare the filesystem holding %q in a filesystem block with options = [\"tagxid\"]; the option takes effect only when the filesystem is mounted, not on remount.",
								g.Name, dir, h.Name.V, dir))
					}
					continue
				}
				if _, tagged := TagOption(fs); tagged || !seen.first(r, dir) {
					continue
				}
				p.Report(r, "Disk limit on a filesystem without tagxid",
					fmt.Sprintf("The disk limit of guest %s applies to %q, on the filesystem mounted at %q (%s), which is not mounted with \"tagxid\" or \"tag\": the limit would never be enforced. Add \"tagxid\" to its options, then unmount and mount it again: project quotas cannot be enabled by a remount.",
						g.Name, dir, fs.MountPoint.V, Site(fs.MountPoint.Range)),
					fs.MountPoint.Range)
			}
		}
	},
}

// filesystems indexes a host's filesystems by cleaned mount point, the
// first declared winning (filesystem-invalid reports the others).
func filesystems(h *lang.Host) map[string]*lang.Filesystem {
	out := map[string]*lang.Filesystem{}
	for _, fs := range h.Filesystems {
		if mp, ok := cleanAbs(fs.MountPoint.V); ok && fs.MountPoint.Set {
			if _, dup := out[mp]; !dup {
				out[mp] = fs
			}
		}
	}
	return out
}

// filesystemOf returns the declared filesystem a cleaned absolute path lies
// on: the one with the longest mount point enclosing it.
func filesystemOf(byMount map[string]*lang.Filesystem, p string) *lang.Filesystem {
	if fs, ok := byMount[p]; ok {
		return fs
	}
	var found *lang.Filesystem
	parents(p, func(dir string) bool {
		found = byMount[dir]
		return found == nil
	})
	return found
}
