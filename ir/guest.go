package ir

import (
	"maps"
	"slices"
)

// KindGuestBuild builds a guest's root.
const KindGuestBuild Kind = "guest.build"

// KindGuestMount mounts a filesystem inside a guest.
const KindGuestMount Kind = "guest.mount"

// buildMethods maps each build method of util-vserver's `vserver NAME
// build -m` to the GuestBuild field it cannot do without.
var buildMethods = map[string]string{
	"debootstrap": "distribution",
	"yum":         "distribution",
	"template":    "archive",
	"rsync":       "source",
	"clone":       "source",
	"skeleton":    "", // only the minimal tree and /dev
}

// GuestBuild builds a guest's root folder when it does not exist yet, by
// one of util-vserver's build methods. The fields a method does not use
// are empty.
//
//	vserver x build -m debootstrap -- -d bookworm -m http://deb.debian.org/debian   (root /var/lib/vservers/x)
type GuestBuild struct {
	Guest        string `ir:"guest"`
	Method       string `ir:"method"`                 // debootstrap yum template rsync clone skeleton
	Root         string `ir:"root"`                   // absolute, clean
	Distribution string `ir:"distribution,omitempty"` // debootstrap, yum: the release
	Mirror       string `ir:"mirror,omitempty"`       // debootstrap: the package mirror
	Archive      string `ir:"archive,omitempty"`      // template: the archive to extract
	Source       string `ir:"source,omitempty"`       // rsync: the tree to copy; clone: the guest or folder
}

func (*GuestBuild) Kind() Kind { return KindGuestBuild }

func (b *GuestBuild) check(c *checker) {
	c.absPath("root", b.Root)
	need, ok := buildMethods[b.Method]
	if !ok {
		c.oneOf("method", b.Method, slices.Sorted(maps.Keys(buildMethods)))
		return
	}
	if need != "" {
		if v, _ := stringField(b, need); v == "" {
			c.fail(need, "build method %s needs a %s", b.Method, need)
		}
	}
}

// GuestMount mounts a filesystem in the guest's mount namespace, at a
// target inside the guest's root, as util-vserver did for the guest's
// fstab entries.
//
//	nsenter --mount=/var/lib/vsc/HOST/guests/x/ns/mnt mount -t proc proc /var/lib/vservers/x/proc
type GuestMount struct {
	Guest   string   `ir:"guest"`
	Source  string   `ir:"source"`
	Target  string   `ir:"target"` // absolute and clean inside the guest's root
	Type    string   `ir:"type"`
	Options []string `ir:"options,omitempty"`
}

func (*GuestMount) Kind() Kind { return KindGuestMount }

func (b *GuestMount) check(c *checker) {
	checkMount(c, b.Source, b.Target, b.Type, b.Options)
}
