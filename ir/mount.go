package ir

import "strings"

// KindMount mounts a filesystem on the host.
const KindMount Kind = "mount"

// Mount mounts a filesystem in the host's mount namespace, typically the
// one holding the guests' roots, with the options project quotas need
// (they cannot be added later by a remount).
//
//	mount -t xfs -o prjquota /dev/vg/x /var/lib/vservers/x
type Mount struct {
	Source  string   `ir:"source"`            // device, or a name for virtual filesystems
	Target  string   `ir:"target"`            // absolute, clean
	Type    string   `ir:"type"`              // e.g. xfs, ext4, tmpfs
	Options []string `ir:"options,omitempty"` // as for mount -o, one per element
}

func (*Mount) Kind() Kind { return KindMount }

func (b *Mount) check(c *checker) {
	checkMount(c, b.Source, b.Target, b.Type, b.Options)
}

// checkMount checks the fields a host mount and a guest mount share.
func checkMount(c *checker, source, target, typ string, options []string) {
	c.nonEmpty("source", source)
	c.absPath("target", target)
	c.nonEmpty("type", typ)
	for _, o := range options {
		// mount -o and mount(2) join options with commas: one inside an
		// option would silently become two options.
		if o == "" || strings.Contains(o, ",") {
			c.fail("options", "option %q: one option per element, non-empty and without ','", o)
		}
	}
}
