// Package build makes a guest's root folder: it runs one guest.build op
// of a plan, by the build method util-vserver's `vserver NAME build -m`
// had (debootstrap, yum, template, rsync, clone, skeleton).
//
// It sits at the end of vsc's pipeline, beside the executor:
//
//	lang → compiler → ir (the plan) → executor, build (the plan → the host)
//
// It never reads HCL: it takes an ir.GuestBuild, already verified. It
// never overwrites a guest (a root that exists and is not empty is
// refused), never writes outside the root (archive entries are resolved
// beneath the root with openat2, a copy walks its source by file
// descriptors without following symlinks), and never gives a guest a
// device node from elsewhere: every method ends with the minimal /dev of
// domain.md, made here, and the guest's /etc/hostname. A build that fails
// removes what it made, unless asked to keep it.
//
// debootstrap and yum are run as programs, the way util-vserver ran
// them, but their failure fails the build. The other methods are done in
// Go, without tar, xz or rsync programs.
package build
