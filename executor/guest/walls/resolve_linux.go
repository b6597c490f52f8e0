package walls

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveInRoot resolves like chroot(root) would, and refuses magic links
// (/proc/self/root…) that could lead out.
var resolveInRoot = unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}

// FdPath names an open file for the calls that take a path (mount(2)).
func FdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// OpenInRoot opens target (absolute inside the guest) as an O_PATH file
// descriptor, resolved inside the guest's root rootfd: symbolic links in
// it are resolved as if the root were /, and never lead out; its last
// element must not be one (nothing is mounted over a link the guest
// made, which could point anywhere in its tree, its root included). With create,
// missing folders are made, and a missing last element is made a folder,
// or an empty file when file is set (a bind mount of a file needs a file
// to cover).
func OpenInRoot(rootfd int, target string, create, file bool) (int, error) {
	fd, err := openInRoot(rootfd, target, create, file)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("%s: %w", target, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		unix.Close(fd)
		return -1, fmt.Errorf("%s is a symbolic link in the guest's root: vsc mounts on a folder or file, not on a link (make it one again)", target)
	}
	return fd, nil
}

func openInRoot(rootfd int, target string, create, file bool) (int, error) {
	rel := strings.Trim(target, "/")
	if rel == "" {
		rel = "."
	}
	how := resolveInRoot
	how.Flags |= unix.O_NOFOLLOW
	fd, err := unix.Openat2(rootfd, rel, &how)
	if err == nil || !errors.Is(err, unix.ENOENT) || !create {
		if err != nil {
			return -1, fmt.Errorf("%s: %w", target, err)
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
			return -1, fmt.Errorf("/%s: %w", sub, err)
		}
		parentPath := "."
		if i > 0 {
			parentPath = strings.Join(parts[:i], "/")
		}
		dirHow := how
		dirHow.Flags |= unix.O_DIRECTORY
		parent, err := unix.Openat2(rootfd, parentPath, &dirHow)
		if err != nil {
			return -1, fmt.Errorf("/%s: %w", parentPath, err)
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
			return -1, fmt.Errorf("cannot make /%s: %w", sub, err)
		}
	}
	fd, err = unix.Openat2(rootfd, rel, &how)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", target, err)
	}
	return fd, nil
}

// Attach moves a detached mount tree onto target inside the guest's root
// rootfd (made if missing: a folder, or a file when the tree is one).
func Attach(rootfd, tree int, target string) error {
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil {
		return fmt.Errorf("mount %s: %w", target, err)
	}
	fd, err := OpenInRoot(rootfd, target, true, st.Mode&unix.S_IFMT != unix.S_IFDIR)
	if err != nil {
		return fmt.Errorf("mount %s: %w", target, err)
	}
	defer unix.Close(fd)
	if err := unix.MoveMount(tree, "", fd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount %s: move_mount: %w", target, err)
	}
	return nil
}
