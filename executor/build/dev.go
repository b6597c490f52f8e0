package build

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// devNodes are the device nodes of a guest's minimal /dev (domain.md),
// each 0666 and owned by root, as on any Linux host. ptmx is a node, not a
// symlink to pts/ptmx: since Linux 4.7 opening a /dev/ptmx node gives a
// terminal of the devpts mounted at the pts folder beside it, so the
// guest's own devpts instance serves it either way, and a node also works
// in a guest that mounts no devpts.
var devNodes = []struct {
	name         string
	major, minor uint32
}{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8},
	{"urandom", 1, 9}, {"tty", 5, 0}, {"ptmx", 5, 2},
}

// devLinks are its symlinks into the guest's own /proc.
var devLinks = []struct{ name, target string }{
	{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
}

// makeDev replaces whatever /dev the method left (debootstrap's, an
// archive's folders and symlinks) with the minimal one: the nodes above,
// the symlinks, shm (1777) and an empty pts (0755).
func makeDev(t *tree, out io.Writer) error {
	var st unix.Stat_t
	err := unix.Fstatat(t.fd, "dev", &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == unix.ENOENT:
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		// A symlink /dev (to the host's?) or a file: not the guest's /dev.
		if err := unix.Unlinkat(t.fd, "dev", 0); err != nil {
			return err
		}
		fmt.Fprintf(out, "removed /dev (not a folder)\n")
	default:
		fd, err := unix.Openat(t.fd, "dev", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		n, err := empty(fd, t.dev, nil)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("emptying %s: %w", t.path("dev"), err)
		}
		if n > 0 {
			fmt.Fprintf(out, "removed %d entries from /dev\n", n)
		}
		if err := unix.Unlinkat(t.fd, "dev", unix.AT_REMOVEDIR); err != nil {
			return err
		}
	}
	if err := mkdirat(t.fd, "dev", 0o755); err != nil {
		return err
	}
	fd, err := unix.Openat(t.fd, "dev", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for _, n := range devNodes {
		if err := unix.Mknodat(fd, n.name, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return &os.PathError{Op: "mknod", Path: t.path("dev/" + n.name), Err: err}
		}
		// The folder is new and ours: nothing can have swapped the node
		// for a symlink that fchmodat would follow.
		if err := unix.Fchmodat(fd, n.name, 0o666, 0); err != nil {
			return err
		}
		if err := unix.Fchownat(fd, n.name, 0, 0, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l.target, fd, l.name); err != nil {
			return err
		}
		if err := unix.Fchownat(fd, l.name, 0, 0, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	if err := mkdirat(fd, "shm", 0o1777); err != nil {
		return err
	}
	return mkdirat(fd, "pts", 0o755)
}

// writeHostname writes /etc/hostname, making /etc if the method did not.
// A symlink there is replaced, not written through.
func writeHostname(t *tree, hostname string) error {
	efd, err := t.dir("etc")
	if err != nil {
		return err
	}
	defer unix.Close(efd)
	if err := unix.Unlinkat(efd, "hostname", 0); err != nil && err != unix.ENOENT {
		return err
	}
	fd, err := unix.Openat(efd, "hostname", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), t.path("etc/hostname"))
	defer f.Close()
	if _, err := io.WriteString(f, hostname+"\n"); err != nil {
		return err
	}
	if err := unix.Fchown(fd, 0, 0); err != nil {
		return err
	}
	return unix.Fchmod(fd, 0o644)
}
