package ir

import (
	"maps"
	"slices"
)

// KindGuestDev makes a guest's /dev.
const KindGuestDev Kind = "guest.dev"

// Device is a device node a guest's /dev may hold.
type Device struct {
	Char         bool   // a character device; a block device otherwise
	Major, Minor uint32 // its numbers
	Mode         uint32 // its permissions
}

// devices are the nodes guest.dev may make, by their names in /dev:
// domain.md's minimal /dev. Each is a character device the kernel serves
// to a guest without reaching beyond it (ptmx gives the terminals of the
// guest's own devpts, mounted at /dev/pts).
var devices = map[string]Device{
	"null":    {true, 1, 3, 0o666},
	"zero":    {true, 1, 5, 0o666},
	"full":    {true, 1, 7, 0o666},
	"random":  {true, 1, 8, 0o666},
	"urandom": {true, 1, 9, 0o666},
	"tty":     {true, 5, 0, 0o666},
	"ptmx":    {true, 5, 2, 0o666},
}

// DeviceOf returns the node guest.dev makes for a name in /dev; ok is
// false for a name it does not know.
func DeviceOf(name string) (Device, bool) {
	d, ok := devices[name]
	return d, ok
}

// DefaultDevices are the nodes of every guest's /dev, in name order.
func DefaultDevices() []string { return slices.Sorted(maps.Keys(devices)) }

// GuestDev mounts a new tmpfs on the guest's /dev, owned by the guest's
// root, with the device nodes Nodes (made by the host's root: a guest
// cannot make device nodes), the symbolic links fd, stdin, stdout and
// stderr into /proc/self/fd, and the folders pts and shm (1777). The
// guest's root is mounted nodev, so this /dev is the only place a guest
// opens devices from: a device node left in its tree opens nothing.
//
//	mount -t tmpfs -o mode=755,nosuid tmpfs ROOT/dev; mknod ROOT/dev/null c 1 3; …
type GuestDev struct {
	Guest string   `ir:"guest"`
	Nodes []string `ir:"nodes"` // names in /dev, from DefaultDevices
}

func (*GuestDev) Kind() Kind { return KindGuestDev }

func (b *GuestDev) check(c *checker) {
	c.list("nodes", b.Nodes, func(n string) {
		if _, ok := devices[n]; !ok {
			c.oneOf("nodes", n, DefaultDevices())
		}
	})
}
