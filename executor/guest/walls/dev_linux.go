package walls

import (
	"fmt"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// devLinks are the symbolic links of a guest's /dev, into its own /proc.
var devLinks = []struct{ name, target string }{
	{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
}

// Dev makes a guest's /dev (guest.dev): a new tmpfs, detached, with the
// device nodes of nodes (ir.DeviceOf), the links of devLinks and the
// folders pts and shm, everything owned by the guest's root (host id
// base). The host's root makes the nodes, which a guest cannot, in a
// tmpfs of the host's, which lets them open; the guest's root tree is
// mounted nodev. The tree is nosuid and noexec.
func Dev(nodes []string, base uint32) (tree int, err error) {
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("guest /dev: fsopen tmpfs: %w%s", err, kernelHint(err, "fsopen (Linux 5.2)"))
	}
	defer unix.Close(fsfd)
	for _, kv := range [][2]string{{"mode", "755"}, {"uid", fmt.Sprint(base)}, {"gid", fmt.Sprint(base)}} {
		if err := unix.FsconfigSetString(fsfd, kv[0], kv[1]); err != nil {
			return -1, fmt.Errorf("guest /dev: tmpfs option %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("guest /dev: tmpfs: %w", err)
	}
	tree, err = unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1, fmt.Errorf("guest /dev: fsmount: %w", err)
	}
	defer func() {
		if err != nil {
			unix.Close(tree)
			tree = -1
		}
	}()
	own := func(name string) error {
		if err := unix.Fchownat(tree, name, int(base), int(base), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("guest /dev/%s: %w", name, err)
		}
		return nil
	}
	for _, name := range nodes {
		d, ok := ir.DeviceOf(name)
		if !ok || !d.Char {
			return -1, fmt.Errorf("guest /dev: %q is not a device vsc makes", name)
		}
		if err := unix.Mknodat(tree, name, unix.S_IFCHR|d.Mode, int(unix.Mkdev(d.Major, d.Minor))); err != nil {
			return -1, fmt.Errorf("guest /dev/%s: mknod: %w", name, err)
		}
		// mknod took the umask off the mode.
		if err := unix.Fchmodat(tree, name, d.Mode, 0); err != nil {
			return -1, fmt.Errorf("guest /dev/%s: %w", name, err)
		}
		if err := own(name); err != nil {
			return -1, err
		}
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l.target, tree, l.name); err != nil {
			return -1, fmt.Errorf("guest /dev/%s: %w", l.name, err)
		}
		if err := own(l.name); err != nil {
			return -1, err
		}
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"pts", 0o755}, {"shm", 0o1777}} {
		if err := unix.Mkdirat(tree, d.name, d.mode); err != nil {
			return -1, fmt.Errorf("guest /dev/%s: %w", d.name, err)
		}
		if err := unix.Fchmodat(tree, d.name, d.mode, 0); err != nil {
			return -1, fmt.Errorf("guest /dev/%s: %w", d.name, err)
		}
		if err := own(d.name); err != nil {
			return -1, err
		}
	}
	return tree, nil
}
