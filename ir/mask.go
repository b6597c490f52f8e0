package ir

// KindGuestMask hides and freezes paths of a guest's /proc and /sys.
const KindGuestMask Kind = "guest.mask"

// GuestMask covers paths of the guest's /proc and /sys that expose or
// reconfigure the host: a Masked file gets the null device bound over it
// and a Masked folder an empty read-only tmpfs; a Readonly path is bound
// on itself read-only. A path the guest's kernel does not have is
// skipped. These are runc's masked and read-only paths; the user
// namespace already refuses what the host's root owns, so this is a
// second wall.
//
//	mount --bind /dev/null ROOT/proc/kcore; mount -t tmpfs -o ro tmpfs ROOT/proc/acpi; mount --bind -o ro ROOT/proc/sys ROOT/proc/sys
type GuestMask struct {
	Guest    string   `ir:"guest"`
	Masked   []string `ir:"masked"`   // absolute and clean inside the guest
	Readonly []string `ir:"readonly"` // absolute and clean inside the guest
}

func (*GuestMask) Kind() Kind { return KindGuestMask }

func (b *GuestMask) check(c *checker) {
	c.list("masked", b.Masked, func(p string) { c.absPath("masked", p) })
	c.list("readonly", b.Readonly, func(p string) { c.absPath("readonly", p) })
}
