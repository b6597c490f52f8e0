package compiler

import (
	"fmt"
	"path"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var mountDevices = &Check{
	Name:     "mount-devices",
	Severity: hcl.DiagWarning,
	Doc: `A mount that gives a guest the host's device nodes

Every guest gets a /dev of vsc's own, with only the null, zero, full,
random, urandom, tty and ptmx devices, and its root is mounted nodev:
the guest cannot make device nodes and none left in its tree opens. A
mount block can take that wall down: a devtmpfs (the kernel's own /dev,
every device of the host), a bind mount of the host's /dev or of a device
in it, or any mount on the guest's /dev, which covers vsc's. Through
such a mount the guest opens whatever node its user namespace lets it:
the world-readable and world-writable ones of the host (/dev/kmsg,
/dev/kvm, /dev/fuse, /dev/net/tun on many distributions).

    mount "/dev" {
      source = "devtmpfs"
      type   = "devtmpfs"   # mount-devices
    }

Remove the mount; give the guest one device it needs by binding that one
node knowingly, elsewhere than /dev.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			for _, m := range g.Mounts {
				bind := m.Type.V == "bind" || m.Type.V == "rbind"
				for _, o := range SplitOptions(m.Options) {
					bind = bind || o.V == "bind" || o.V == "rbind"
				}
				src := path.Clean(m.Source.V)
				var why string
				r := m.Type.Range
				switch {
				case m.Type.V == "devtmpfs":
					why = "a devtmpfs, every device node of the host"
				case bind && (src == "/dev" || under(src, "/dev")):
					why = fmt.Sprintf("a bind mount of the host's %s", src)
					r = m.Source.Range
				case path.Clean(m.Target.V) == "/dev":
					why = "a mount on the guest's /dev, which covers the minimal /dev vsc gives it"
					r = m.Target.Range
				default:
					continue
				}
				if !seen.first(r, why) {
					continue
				}
				p.Report(r, "Mount of host devices",
					fmt.Sprintf("%s mounts %s: through it the guest opens the host's world-accessible device nodes, past the /dev vsc gives it. Remove the mount, or bind the one node it needs knowingly, elsewhere than /dev.", upperFirst(owner(g)), why))
			}
		})
	},
}
