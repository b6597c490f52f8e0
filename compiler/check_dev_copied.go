package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var devCopied = &Check{
	Name:     "dev-copied",
	Severity: hcl.DiagWarning,
	Doc: `rsync or clone from a live system root, /dev, /proc or /sys

An rsync or clone build copies its source into the guest. A source of "/"
is the host's own live system: its /dev holds the device nodes of the
host's disks and memory, and a device node inside a guest is a door into
the host (the course: "Sinon, vous ouvrez des portes d'accès depuis le
VServer vers l'hôte"); its /proc and /sys are the kernel's pseudo-files,
not files to copy. A source inside /dev, /proc or /sys is the same
mistake. vsc's build always replaces the guest's /dev with a minimal one,
so the nodes do not survive, but the source is still wrong: it copies the
host, not a guest.

    build {
      method = "rsync"
      source = "/"     # dev-copied
    }

Copy from another guest's root (/var/lib/vservers/NAME), or build from a
template archive of the system to virtualize.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			b := g.Build
			if b == nil || !b.Source.Set || (b.Method.V != "rsync" && b.Method.V != "clone") {
				return
			}
			src, ok := cleanAbs(b.Source.V)
			if !ok || !seen.first(b.Source.Range, src) {
				return
			}
			var why string
			switch {
			case src == "/":
				why = "the host's live root, whose /dev holds the device nodes of the host's disks and memory, and whose /proc and /sys are the kernel's pseudo-files"
			case under(src, "/dev"):
				why = "in /dev, the host's device nodes: a device node in a guest is a door into the host"
			case under(src, "/proc"), under(src, "/sys"):
				why = "in the kernel's pseudo-filesystems, whose files describe the host and cannot be copied into a guest"
			default:
				return
			}
			p.Report(b.Source.Range, "Build copies the host's system folders",
				fmt.Sprintf("The %s build of %s copies %q, %s. vsc gives every guest a minimal /dev of its own, but this source is still the host, not a guest. Copy from another guest's root, such as %s/NAME, or build from a template archive.",
					b.Method.V, owner(g), src, why, DefaultVserversDir))
		})
	},
}
