package guest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

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
var fstabOnly = []string{"auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev"}

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

// prepareNamespace makes the mount namespace just cloned private, so that
// nothing mounted in it reaches the host, and binds the guest's root on
// itself (with what is mounted below it), so that the root is a mount
// of its own that pivot_root can make the namespace's root.
func prepareNamespace(root string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("cannot make the guest's mount namespace private: %w", err)
	}
	if err := unix.Mount(root, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("cannot bind the guest's root %s on itself: %w", root, err)
	}
	return nil
}

// mountInRoot mounts m at its target resolved inside root, never outside
// it: symbolic links in the target are resolved as if root were /
// (openat2 RESOLVE_IN_ROOT), and missing folders are made on the way.
func mountInRoot(root string, m *ir.GuestMount) error {
	flags, prop, data := mountOptions(m)
	bind := flags&unix.MS_BIND != 0
	file := false
	if bind {
		st, err := os.Stat(m.Source)
		if err != nil {
			return fmt.Errorf("mount %s: bind source: %w", m.Target, err)
		}
		file = !st.IsDir()
	}
	fd, err := openInRoot(root, m.Target, true, file)
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Target, err)
	}
	target := fdPath(fd)
	typ := m.Type
	if bind {
		typ = ""
	}
	// A bind mount takes flags like ro only in a remount of itself.
	first := flags
	if bind {
		first = flags & (unix.MS_BIND | unix.MS_REC)
	}
	err = unix.Mount(m.Source, target, typ, first, data)
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("mount -t %s %s %s (in %s): %w", m.Type, m.Source, m.Target, root, err)
	}
	if rest := flags &^ (unix.MS_BIND | unix.MS_REC); (bind && rest != 0) || prop != 0 {
		// The new mount is on top of the target: open it again.
		fd, err := openInRoot(root, m.Target, false, false)
		if err != nil {
			return fmt.Errorf("mount %s: %w", m.Target, err)
		}
		defer unix.Close(fd)
		if bind && rest != 0 {
			if err := unix.Mount("", fdPath(fd), "", unix.MS_REMOUNT|unix.MS_BIND|rest, ""); err != nil {
				return fmt.Errorf("mount %s: remount with %s: %w", m.Target, strings.Join(m.Options, ","), err)
			}
		}
		if prop != 0 {
			if err := unix.Mount("", fdPath(fd), "", prop, ""); err != nil {
				return fmt.Errorf("mount %s: propagation: %w", m.Target, err)
			}
		}
	}
	return nil
}

func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// resolveInRoot resolves like chroot(root) would, and refuses magic links
// (/proc/self/root…) that could lead out.
var resolveInRoot = unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}

// openInRoot opens target (absolute inside the guest) as an O_PATH file
// descriptor, resolved inside root. With create, missing folders are
// made, and a missing last element is made a folder, or an empty file
// when file is set (a bind mount of a file needs a file to cover).
func openInRoot(root, target string, create, file bool) (int, error) {
	rootfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("guest root: %w", err)
	}
	defer unix.Close(rootfd)
	rel := strings.Trim(target, "/")
	if rel == "" {
		rel = "."
	}
	how := resolveInRoot
	fd, err := unix.Openat2(rootfd, rel, &how)
	if err == nil || !errors.Is(err, unix.ENOENT) || !create {
		if err != nil {
			return -1, fmt.Errorf("%s in %s: %w", target, root, err)
		}
		return fd, nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		if fd, err := unix.Openat2(rootfd, sub, &how); err == nil {
			unix.Close(fd)
			continue
		} else if !errors.Is(err, unix.ENOENT) {
			return -1, fmt.Errorf("%s in %s: %w", sub, root, err)
		}
		parentPath := "."
		if i > 0 {
			parentPath = strings.Join(parts[:i], "/")
		}
		dirHow := how
		dirHow.Flags |= unix.O_DIRECTORY
		parent, err := unix.Openat2(rootfd, parentPath, &dirHow)
		if err != nil {
			return -1, fmt.Errorf("%s in %s: %w", parentPath, root, err)
		}
		if i == len(parts)-1 && file {
			var f int
			f, err = unix.Openat(parent, parts[i], unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
			if err == nil {
				unix.Close(f)
			}
		} else {
			err = unix.Mkdirat(parent, parts[i], 0o755)
		}
		unix.Close(parent)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return -1, fmt.Errorf("cannot make %s in %s: %w", sub, root, err)
		}
	}
	fd, err = unix.Openat2(rootfd, rel, &how)
	if err != nil {
		return -1, fmt.Errorf("%s in %s: %w", target, root, err)
	}
	return fd, nil
}

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
