package walls

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Mask applies guest.mask in the guest's mount namespace, from its init:
// each path of masked that exists gets the guest's /dev/null bound over
// it (a file) or an empty read-only tmpfs (a folder); each of readonly
// that exists is bound on itself read-only. Paths are resolved inside the
// guest's root rootfd. The guest's /dev must be vsc's (guest.dev): its
// null is checked to be the null device.
func Mask(rootfd int, masked, readonly []string) error {
	null, err := OpenInRoot(rootfd, "/dev/null", false, false)
	if err != nil {
		return fmt.Errorf("guest.mask: the guest's /dev/null: %w", err)
	}
	defer unix.Close(null)
	var st unix.Stat_t
	if err := unix.Fstat(null, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		return fmt.Errorf("guest.mask: the guest's /dev/null is not the null device")
	}
	for _, p := range masked {
		fd, err := OpenInRoot(rootfd, p, false, false)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return fmt.Errorf("guest.mask: %w", err)
		}
		err = maskOne(fd, null)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("guest.mask: %s: %w", p, err)
		}
	}
	for _, p := range readonly {
		fd, err := OpenInRoot(rootfd, p, false, false)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return fmt.Errorf("guest.mask: %w", err)
		}
		err = unix.Mount(FdPath(fd), FdPath(fd), "", unix.MS_BIND|unix.MS_REC, "")
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("guest.mask: bind %s on itself: %w", p, err)
		}
		// The bind is on top now: open it again, and make it read-only
		// keeping its other flags.
		if fd, err = OpenInRoot(rootfd, p, false, false); err != nil {
			return fmt.Errorf("guest.mask: %w", err)
		}
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("guest.mask: make %s read-only: %w", p, err)
		}
	}
	return nil
}

func maskOne(fd, null int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.Mount("tmpfs", FdPath(fd), "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0555,size=4k")
	}
	return unix.Mount(FdPath(null), FdPath(fd), "", unix.MS_BIND, "")
}
