package build

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// A copier copies a source tree into a guest's root, as util-vserver's
// `-m rsync` (rsync -aH) and `-m clone` did: owners, modes, times, hard
// links and symlinks (as links) kept, but never the source's /dev, and
// never the kernel's pseudo-filesystems (/proc, /sys, cgroups…). The
// source is walked by file descriptors, every name opened with
// O_NOFOLLOW beneath its folder, so a source that changes while it is
// read (a running guest) cannot swap a folder for a symlink and have a
// host file copied in.
type copier struct {
	dst   *tree
	out   io.Writer
	links map[fileID]string // a file with several links → its first copy, relative to the root
	skip  fileID            // the guest's root itself, when it lies inside the source
	files int
}

type fileID struct{ dev, ino uint64 }

// skippedTop are the source's top-level folders that are made empty in
// the guest: /dev gets the minimal one, /proc and /sys are mount points.
var skippedTop = map[string]string{
	"dev":  "the guest gets a minimal /dev",
	"proc": "a mount point for the guest's own /proc",
	"sys":  "a mount point, not files to copy",
}

func copyTree(src string, t *tree, out io.Writer) error {
	// The source's own path may be a symlink to its folder (rsync SRC/).
	sfd, err := unix.Open(src, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("source: %w", &os.PathError{Op: "open", Path: src, Err: err})
	}
	defer unix.Close(sfd)
	dfd, err := unix.Openat(t.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	var st, dst unix.Stat_t
	if err := unix.Fstat(sfd, &st); err != nil {
		return err
	}
	if err := unix.Fstat(dfd, &dst); err != nil {
		return err
	}
	c := &copier{dst: t, out: out, links: map[fileID]string{}, skip: fileID{dst.Dev, dst.Ino}}
	if c.skip == (fileID{st.Dev, st.Ino}) {
		return fmt.Errorf("source %s is the guest's root", src)
	}
	fmt.Fprintf(out, "copying %s\n", src)
	if err := c.dir(sfd, dfd, "", st.Dev); err != nil {
		return err
	}
	if err := statMeta(&st).setRoot(dfd); err != nil {
		return fmt.Errorf("the root: %w", err)
	}
	fmt.Fprintf(out, "copied %d files\n", c.files)
	return nil
}

func statMeta(st *unix.Stat_t) meta {
	return meta{mode: st.Mode & 0o7777, uid: int(st.Uid), gid: int(st.Gid), atime: st.Atim, mtime: st.Mtim}
}

// dir copies the content of the source folder sfd (at rel, on device dev)
// into the guest's folder dfd.
func (c *copier) dir(sfd, dfd int, rel string, dev uint64) error {
	names, err := readdirnames(sfd)
	if err != nil {
		return fmt.Errorf("source /%s: %w", rel, err)
	}
	slices.Sort(names)
	for _, name := range names {
		crel := join(rel, name)
		if err := c.entry(sfd, dfd, name, crel, dev); err != nil {
			return fmt.Errorf("/%s: %w", crel, err)
		}
	}
	return nil
}

func (c *copier) entry(sfd, dfd int, name, rel string, dev uint64) error {
	var st unix.Stat_t
	if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return nil // gone since the folder was listed
		}
		return err
	}
	id := fileID{st.Dev, st.Ino}
	m := statMeta(&st)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if id == c.skip {
			fmt.Fprintf(c.out, "skipped /%s (the guest's own root)\n", rel)
			return nil
		}
		if why, ok := skippedTop[name]; ok && rel == name {
			fmt.Fprintf(c.out, "skipped the source's /%s (%s)\n", rel, why)
			return c.emptyDir(dfd, name, m)
		}
		csfd, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(csfd)
		if err := sameFile(csfd, id); err != nil {
			return err
		}
		if st.Dev != dev && pseudo(csfd) {
			fmt.Fprintf(c.out, "skipped /%s (a kernel pseudo-filesystem)\n", rel)
			return c.emptyDir(dfd, name, m)
		}
		if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
			return err
		}
		cdfd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(cdfd)
		if err := c.dir(csfd, cdfd, rel, st.Dev); err != nil {
			return err
		}
		return m.set(dfd, name, cdfd)

	case unix.S_IFREG:
		if st.Nlink > 1 {
			if first, ok := c.links[id]; ok {
				return unix.Linkat(c.dst.fd, first, dfd, name, 0)
			}
			c.links[id] = rel
		}
		// O_NONBLOCK: should the name have become a FIFO since, opening
		// it must not hang.
		in, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		inf := os.NewFile(uintptr(in), name)
		defer inf.Close()
		if err := sameFile(in, id); err != nil {
			return err
		}
		fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		outf := os.NewFile(uintptr(fd), name)
		defer outf.Close()
		if _, err := io.Copy(outf, inf); err != nil {
			return err
		}
		c.files++
		return m.set(dfd, name, fd)

	case unix.S_IFLNK:
		target, err := readlinkat(sfd, name)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(target, dfd, name); err != nil {
			return err
		}
		c.files++
		return m.set(dfd, name, -1)
	}
	// Device nodes, FIFOs and sockets: a guest gets none from elsewhere.
	fmt.Fprintf(c.out, "dropped /%s (%s)\n", rel, special(&st))
	return nil
}

// emptyDir makes the folder name in dfd, empty, with the source's metadata.
func (c *copier) emptyDir(dfd int, name string, m meta) error {
	if err := unix.Mkdirat(dfd, name, 0o700); err != nil {
		return err
	}
	fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return m.set(dfd, name, fd)
}

// sameFile checks that what was opened is what was examined before.
func sameFile(fd int, id fileID) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if (fileID{st.Dev, st.Ino}) != id {
		return errors.New("changed while it was copied; copy from a stopped guest")
	}
	return nil
}

// pseudo tells a kernel pseudo-filesystem (proc, sysfs, cgroups…), whose
// files are not files to copy.
func pseudo(fd int) bool {
	var sf unix.Statfs_t
	if unix.Fstatfs(fd, &sf) != nil {
		return false
	}
	switch uint64(sf.Type) {
	case unix.PROC_SUPER_MAGIC, unix.SYSFS_MAGIC, unix.DEVPTS_SUPER_MAGIC,
		unix.CGROUP_SUPER_MAGIC, unix.CGROUP2_SUPER_MAGIC, unix.DEBUGFS_MAGIC,
		unix.SECURITYFS_MAGIC, unix.TRACEFS_MAGIC, unix.BPF_FS_MAGIC,
		unix.PSTOREFS_MAGIC, unix.EFIVARFS_MAGIC, unix.BINFMTFS_MAGIC, unix.NSFS_MAGIC:
		return true
	}
	return false
}

func special(st *unix.Stat_t) string {
	major, minor := unix.Major(st.Rdev), unix.Minor(st.Rdev)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		return fmt.Sprintf("char %d:%d", major, minor)
	case unix.S_IFBLK:
		return fmt.Sprintf("block %d:%d", major, minor)
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	}
	return fmt.Sprintf("mode %#o", st.Mode)
}

func readlinkat(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
