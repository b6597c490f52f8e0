package guest

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/executor/guest/walls"
	"vsc/ir"
)

// mountFlags are the fstab options that are mount(2) flags: set or
// cleared.
var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
	"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
	"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
	"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
	"dirsync": {false, unix.MS_DIRSYNC}, "mand": {false, unix.MS_MANDLOCK}, "nomand": {true, unix.MS_MANDLOCK},
	"noatime": {false, unix.MS_NOATIME}, "atime": {true, unix.MS_NOATIME},
	"nodiratime": {false, unix.MS_NODIRATIME}, "diratime": {true, unix.MS_NODIRATIME},
	"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME}, "lazytime": {false, unix.MS_LAZYTIME},
	"silent": {false, unix.MS_SILENT}, "loud": {true, unix.MS_SILENT},
	"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"defaults": {false, 0},
}

// propagations are the options that change a mount's propagation, done by
// a second mount(2) call.
var propagations = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// fstabOnly are options for mount(8) and fstab readers, not the kernel.
var fstabOnly = []string{"auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev", idmapOption}

// mountOptions splits fstab options into flags, a propagation change and
// the filesystem's own options.
func mountOptions(m *ir.GuestMount) (flags, prop uintptr, data string) {
	var own []string
	for _, o := range m.Options {
		if f, ok := mountFlags[o]; ok {
			if f.clear {
				flags &^= f.flag
			} else {
				flags |= f.flag
			}
			continue
		}
		if p, ok := propagations[o]; ok {
			prop = p
			continue
		}
		if slices.Contains(fstabOnly, o) || strings.HasPrefix(o, "x-") || strings.HasPrefix(o, "comment=") {
			continue
		}
		own = append(own, o)
	}
	switch m.Type {
	case "bind":
		flags |= unix.MS_BIND
	case "rbind":
		flags |= unix.MS_BIND | unix.MS_REC
	case "devpts":
		// The guest's own pseudo-terminals, not the host's: a new
		// instance, with a ptmx the guest's users can open.
		if !slices.Contains(own, "newinstance") {
			own = append(own, "newinstance")
		}
		if !slices.ContainsFunc(own, func(o string) bool { return strings.HasPrefix(o, "ptmxmode=") }) {
			own = append(own, "ptmxmode=0666")
		}
	}
	return flags, prop, strings.Join(own, ",")
}

// usernsTypes are the filesystems the guest's init mounts itself, in
// its user namespace, so that they are the guest's (a tmpfs owned by its
// root, a devpts whose gid=5 is its tty group, a proc of its PID
// namespace). Anything else — a bind mount of a host folder, a block
// device, sysfs — the supervisor makes as the host's root, detached
// (detachedMount), and the init attaches.
var usernsTypes = []string{"proc", "devpts", "tmpfs", "mqueue", "ramfs"}

// byInit tells a mount the init makes itself.
func byInit(m *ir.GuestMount) bool {
	flags, _, _ := mountOptions(m)
	return flags&unix.MS_BIND == 0 && slices.Contains(usernsTypes, m.Type)
}

// mountInRoot mounts m (byInit) at its target resolved inside the
// guest's root, never outside it: symbolic links in the target are
// resolved as if the root were / (openat2 RESOLVE_IN_ROOT), and missing
// folders are made on the way.
func mountInRoot(rootfd int, m *ir.GuestMount) error {
	if !byInit(m) {
		return fmt.Errorf("mount %s: a %s mount is not the init's to make", m.Target, m.Type)
	}
	flags, prop, data := mountOptions(m)
	fd, err := walls.OpenInRoot(rootfd, m.Target, true, false)
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Target, err)
	}
	err = unix.Mount(m.Source, walls.FdPath(fd), m.Type, flags, data)
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("mount -t %s %s %s: %w", m.Type, m.Source, m.Target, err)
	}
	return propagate(rootfd, m.Target, prop)
}

// propagate sets a propagation (private, shared…) on the mount at target.
func propagate(rootfd int, target string, prop uintptr) error {
	if prop == 0 {
		return nil
	}
	// The new mount is on top of the target: open it again.
	fd, err := walls.OpenInRoot(rootfd, target, false, false)
	if err != nil {
		return fmt.Errorf("mount %s: %w", target, err)
	}
	defer unix.Close(fd)
	if err := unix.Mount("", walls.FdPath(fd), "", prop, ""); err != nil {
		return fmt.Errorf("mount %s: propagation: %w", target, err)
	}
	return nil
}

// mountAttrs are the mount flags a detached mount takes as attributes.
var mountAttrs = []struct {
	flag uintptr
	attr uint64
}{
	{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}, {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV}, {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	{unix.MS_NOATIME, unix.MOUNT_ATTR_NOATIME}, {unix.MS_STRICTATIME, unix.MOUNT_ATTR_STRICTATIME},
	{unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME}, {unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
}

// sbFlags are the mount flags that are the filesystem's (fsconfig flags).
var sbFlags = []struct {
	flag uintptr
	name string
}{
	{unix.MS_RDONLY, "ro"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_DIRSYNC, "dirsync"},
	{unix.MS_LAZYTIME, "lazytime"}, {unix.MS_MANDLOCK, "mand"},
}

// detachedMount makes a guest.mount the init does not make itself as the
// host's root, detached: a bind of a host path (open_tree), or a new
// filesystem (fsopen). userns is the guest's user namespace, for the
// option idmap. The caller attaches it (request attach) and closes it.
func detachedMount(m *ir.GuestMount, userns int) (int, error) {
	flags, _, data := mountOptions(m)
	var attrs uint64
	for _, a := range mountAttrs {
		if flags&a.flag != 0 {
			attrs |= a.attr
		}
	}
	if flags&unix.MS_BIND != 0 {
		how := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if flags&unix.MS_REC != 0 {
			how |= unix.AT_RECURSIVE
		}
		tree, err := unix.OpenTree(unix.AT_FDCWD, m.Source, how)
		if err != nil {
			return -1, fmt.Errorf("mount %s: bind source %s: %w", m.Target, m.Source, err)
		}
		if attrs != 0 {
			attr := unix.MountAttr{Attr_set: attrs}
			if attrs&unix.MOUNT_ATTR__ATIME != 0 {
				attr.Attr_clr = unix.MOUNT_ATTR__ATIME
			}
			if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
				unix.Close(tree)
				return -1, fmt.Errorf("mount %s: options %s: %w", m.Target, strings.Join(m.Options, ","), err)
			}
		}
		if slices.Contains(m.Options, idmapOption) {
			if err := walls.Idmap(tree, m.Source, userns); err != nil {
				unix.Close(tree)
				return -1, fmt.Errorf("mount %s: %w", m.Target, err)
			}
		}
		return tree, nil
	}
	fsfd, err := unix.Fsopen(m.Type, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("mount -t %s %s %s: fsopen: %w", m.Type, m.Source, m.Target, err)
	}
	defer unix.Close(fsfd)
	fail := func(what string, err error) (int, error) {
		return -1, fmt.Errorf("mount -t %s %s %s: %s: %w", m.Type, m.Source, m.Target, what, err)
	}
	if m.Source != "" {
		if err := unix.FsconfigSetString(fsfd, "source", m.Source); err != nil {
			return fail("source", err)
		}
	}
	for _, f := range sbFlags {
		if flags&f.flag != 0 {
			if err := unix.FsconfigSetFlag(fsfd, f.name); err != nil {
				return fail(f.name, err)
			}
		}
	}
	if data != "" {
		for _, o := range strings.Split(data, ",") {
			k, v, kv := strings.Cut(o, "=")
			if kv {
				err = unix.FsconfigSetString(fsfd, k, v)
			} else {
				err = unix.FsconfigSetFlag(fsfd, k)
			}
			if err != nil {
				return fail("option "+o, err)
			}
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fail("fsconfig", err)
	}
	tree, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, int(attrs))
	if err != nil {
		return fail("fsmount", err)
	}
	return tree, nil
}

// idmapOption is vsc's own mount option: map the bind mount's owners as
// the guest's root is mapped.
const idmapOption = "idmap"

// mountsUnder lists the mount points at or below dir in this process's
// mount namespace, deepest last.
func mountsUnder(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out, nil
}
