package build

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// A tree is the root folder being built, held open so that every path
// inside it is resolved beneath it by the kernel (openat2), never through
// a symlink or a ".." that leads out.
type tree struct {
	root string // the root's path, for messages
	fd   int    // O_PATH of the root
	dev  uint64 // the root's filesystem, to tell mount points inside it
}

// errEscape marks an entry refused because its path leads out of the root.
var errEscape = errors.New("leads out of the root")

func openTree(root string) (*tree, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: root, Err: err}
	}
	return &tree{root: root, fd: fd, dev: st.Dev}, nil
}

func (t *tree) close() {
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}

// path is rel as the host sees it, for messages.
func (t *tree) path(rel string) string {
	if rel == "" {
		return t.root
	}
	return t.root + "/" + rel
}

// open opens rel (a clean relative path, "" for the root) beneath the
// root: a ".." or a symlink that would lead out of it, absolute symlinks
// included, fails with errEscape, and /proc's magic links are refused.
func (t *tree) open(rel string, flags int, mode uint32) (int, error) {
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Mode:    uint64(mode),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(t.fd, rel, &how)
		switch {
		case err == nil:
			return fd, nil
		case err == unix.EINTR, err == unix.EAGAIN && tries < 64:
			// EAGAIN: a rename elsewhere raced the resolution; try again.
			continue
		case err == unix.EXDEV:
			return -1, fmt.Errorf("%s %w through a symlink; refused", rel, errEscape)
		case err == unix.ENOSYS:
			return -1, fmt.Errorf("openat2 is missing: vsc build needs Linux 5.6 or later")
		}
		return -1, &os.PathError{Op: "open", Path: t.path(rel), Err: err}
	}
}

// dir opens the folder rel beneath the root (O_PATH), making the missing
// folders on the way (0755, owned by root), as tar does for an entry whose
// folders the archive does not list.
func (t *tree) dir(rel string) (int, error) {
	fd, err := t.open(rel, unix.O_PATH|unix.O_DIRECTORY, 0)
	if !errors.Is(err, unix.ENOENT) {
		return fd, err
	}
	parent, base := split(rel)
	pfd, err := t.dir(parent)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	if err := mkdirat(pfd, base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, &os.PathError{Op: "mkdir", Path: t.path(rel), Err: err}
	}
	return t.open(rel, unix.O_PATH|unix.O_DIRECTORY, 0)
}

// mkdirat makes the folder name in dirfd with exactly mode, whatever the
// umask, owned by root; the owner and mode an entry asks for come later.
func mkdirat(dirfd int, name string, mode uint32) error {
	if err := unix.Mkdirat(dirfd, name, 0o700); err != nil {
		return err
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fchown(fd, 0, 0); err != nil {
		return err
	}
	return unix.Fchmod(fd, mode)
}

// split cuts a clean relative path into its folder ("" for the root) and
// its last name.
func split(rel string) (dir, base string) {
	dir, base = path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base
}

// join is path.Join for relative paths where "" is the root.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// readdirnames lists the folder open at fd (the fd stays open).
func readdirnames(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(dup)
	f := os.NewFile(uintptr(dup), "")
	defer f.Close()
	return f.Readdirnames(-1)
}

// empty removes everything inside the folder open at fd, without following
// a symlink and without entering another filesystem: an entry on another
// device than dev is a mount point, and an error. It keeps the names in
// keep (at this level only). It reports how many entries it removed.
func empty(fd int, dev uint64, keep map[string]bool) (int, error) {
	names, err := readdirnames(fd)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		if keep[name] {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		if st.Dev != dev {
			return n, fmt.Errorf("%s is a mount point; unmount it first", name)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			cfd, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return n, fmt.Errorf("%s: %w", name, err)
			}
			m, err := empty(cfd, dev, nil)
			unix.Close(cfd)
			n += m
			if err != nil {
				return n, fmt.Errorf("%s/%w", name, err)
			}
			if err := unix.Unlinkat(fd, name, unix.AT_REMOVEDIR); err != nil {
				return n, fmt.Errorf("%s: %w", name, err)
			}
		} else if err := unix.Unlinkat(fd, name, 0); err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// meta is what a build keeps of a file besides its content.
type meta struct {
	mode         uint32 // permission bits with setuid, setgid and sticky
	uid, gid     int
	atime, mtime unix.Timespec
}

// set gives the file name in the folder dirfd its owner, mode and times.
// fd is the file itself, open without following a symlink, or -1 for a
// symlink (which has no mode of its own).
func (m meta) set(dirfd int, name string, fd int) error {
	if fd >= 0 {
		// chown clears setuid and setgid, so the mode comes after.
		if err := unix.Fchown(fd, m.uid, m.gid); err != nil {
			return err
		}
		if err := unix.Fchmod(fd, m.mode); err != nil {
			return err
		}
	} else if err := unix.Fchownat(dirfd, name, m.uid, m.gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	return unix.UtimesNanoAt(dirfd, name, []unix.Timespec{m.atime, m.mtime}, unix.AT_SYMLINK_NOFOLLOW)
}

// setRoot gives the root folder (open at fd, not O_PATH) its metadata.
func (m meta) setRoot(fd int) error {
	if err := unix.Fchown(fd, m.uid, m.gid); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, m.mode); err != nil {
		return err
	}
	return unix.Futimes(fd, []unix.Timeval{unix.NsecToTimeval(unix.TimespecToNsec(m.atime)), unix.NsecToTimeval(unix.TimespecToNsec(m.mtime))})
}
