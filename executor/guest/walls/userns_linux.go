package walls

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// The user namespace of a guest maps its ids 0..count-1 to the host's
// base..base+count-1 (ns.new id_base, id_count): its root is root of its
// own namespaces only. The root folder stays owned as it was built (by
// 0, as util-vserver's trees are): it is mounted idmapped (Linux 5.12;
// ext4, xfs, btrfs, tmpfs from 6.3, …), so that the guest's root sees its
// files as its own and what it writes is stored owned by 0 again. A root
// whose ownership was shifted by vsc build --shift (its files owned by
// base + uid) needs no idmap: it is mounted as it is.

// IDMaps returns the uid and gid maps of a guest's user namespace, for
// SysProcAttr.
func IDMaps(base, count uint32) (uids, gids []syscall.SysProcIDMap) {
	m := []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(base), Size: int(count)}}
	return m, []syscall.SysProcIDMap{m[0]}
}

// RootTree returns a detached copy of the guest's root (with what is
// mounted below it), ready to be attached in the guest's mount
// namespace: nodev (the guest's /dev is vsc's), and idmapped through
// userns unless its ownership is shifted already. It refuses a root
// owned by neither the host's root nor the guest's (base), and says what
// to do when the filesystem cannot be idmapped.
func RootTree(root string, base uint32, userns int) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, root, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return -1, fmt.Errorf("cannot take the guest's root %s: %w%s", root, err, kernelHint(err, "open_tree (Linux 5.2)"))
	}
	if err := PrepareRoot(fd, root, base, userns); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// PrepareRoot makes a detached tree (the guest's root, or the mount of
// its fstab's "/") the guest's: see RootTree.
func PrepareRoot(fd int, what string, base uint32, userns int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("guest root %s: %w", what, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODEV}
	switch st.Uid {
	case 0:
		attr.Attr_set |= unix.MOUNT_ATTR_IDMAP
		attr.Userns_fd = uint64(userns)
	case base:
		// Shifted at build: its owners are the guest's host ids already.
	default:
		return fmt.Errorf("the guest's root %s is owned by uid %d, neither 0 (a tree as built, which vsc idmaps) nor %d (a tree shifted for this guest's context by vsc build --shift): give it back to root (chown 0:0) or shift it", what, st.Uid, base)
	}
	err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr)
	if err == nil {
		return nil
	}
	if attr.Attr_set&unix.MOUNT_ATTR_IDMAP != 0 && (errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM)) {
		return fmt.Errorf("the filesystem of the guest's root %s (%s) cannot be idmapped (%v): the guest's root would see its files owned by nobody. Shift the tree's ownership to the guest's ids instead: vsc build --shift NAME (it then belongs to this context only)", what, FSType(fd), err)
	}
	return fmt.Errorf("cannot prepare the guest's root %s: %w%s", what, err, kernelHint(err, "mount_setattr (Linux 5.12)"))
}

// Idmap maps a detached tree through userns, as the guest's root is
// (the option idmap of a bind mount).
func Idmap(fd int, what string, userns int) error {
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns)}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("cannot idmap %s (%s): %w", what, FSType(fd), err)
	}
	return nil
}

// FSType names the filesystem of an open file, for messages.
func FSType(fd int) string {
	var sf unix.Statfs_t
	if err := unix.Fstatfs(fd, &sf); err != nil {
		return "an unknown filesystem"
	}
	if name, ok := fsNames[int64(sf.Type)]; ok {
		return name
	}
	return fmt.Sprintf("filesystem type %#x", sf.Type)
}

var fsNames = map[int64]string{
	unix.EXT4_SUPER_MAGIC: "ext4", unix.XFS_SUPER_MAGIC: "xfs", unix.BTRFS_SUPER_MAGIC: "btrfs",
	unix.TMPFS_MAGIC: "tmpfs", unix.RAMFS_MAGIC: "ramfs", unix.NFS_SUPER_MAGIC: "nfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs", unix.FUSE_SUPER_MAGIC: "fuse", unix.MSDOS_SUPER_MAGIC: "vfat",
	unix.SQUASHFS_MAGIC: "squashfs", unix.F2FS_SUPER_MAGIC: "f2fs",
}

// kernelHint explains an ENOSYS: the kernel lacks the call.
func kernelHint(err error, what string) string {
	if errors.Is(err, unix.ENOSYS) {
		return " (this kernel lacks " + what + ")"
	}
	return ""
}
