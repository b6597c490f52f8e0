package build

import (
	"fmt"
	"io"
	"slices"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// Shift moves the ownership of a guest's tree to the guest's host ids:
// an entry owned by uid (gid) below 65536 becomes owned by base+uid
// (base+gid), as the guest's user namespace maps them. A guest whose
// root's filesystem cannot be idmapped (vsc start says so) runs on such a
// tree as it is; the tree then belongs to that context alone. An entry
// owned by the guest's range already is left (a hard link seen twice, a
// second shift); one owned by another range is an error, and nothing is
// done past it. Setuid and setgid bits, which chown clears, are set again.
// Shift does not leave the root's filesystem (a mount inside it) and
// never follows a symbolic link. POSIX ACLs and file capabilities keep
// their ids: vsc does not shift them.
func Shift(root string, base uint32, out io.Writer) (int, error) {
	if out == nil {
		out = io.Discard
	}
	t, err := openTree(root)
	if err != nil {
		return 0, err
	}
	defer t.close()
	fd, err := t.open("", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	s := &shifter{base: base, dev: t.dev}
	if err := s.entry(fd, "", "."); err != nil {
		return s.n, err
	}
	if err := s.dir(fd, ""); err != nil {
		return s.n, err
	}
	fmt.Fprintf(out, "shifted the owners of %d entries of %s to %d + id\n", s.n, root, base)
	return s.n, nil
}

type shifter struct {
	base uint32
	dev  uint64
	n    int
}

func (s *shifter) dir(fd int, rel string) error {
	names, err := readdirnames(fd)
	if err != nil {
		return fmt.Errorf("/%s: %w", rel, err)
	}
	slices.Sort(names)
	for _, name := range names {
		crel := join(rel, name)
		if err := s.entry(fd, crel, name); err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("/%s: %w", crel, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Dev != s.dev {
			continue
		}
		sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("/%s: %w", crel, err)
		}
		err = s.dir(sub, crel)
		unix.Close(sub)
		if err != nil {
			return err
		}
	}
	return nil
}

// entry shifts one entry, name in the folder dirfd ("." for the root).
func (s *shifter) entry(dirfd int, rel, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("/%s: %w", rel, err)
	}
	if st.Dev != s.dev {
		return nil // a mount point inside the root: not the root's
	}
	uid, err := s.shifted(st.Uid)
	if err != nil {
		return fmt.Errorf("/%s: uid %w", rel, err)
	}
	gid, err := s.shifted(st.Gid)
	if err != nil {
		return fmt.Errorf("/%s: gid %w", rel, err)
	}
	if uid == st.Uid && gid == st.Gid {
		return nil
	}
	if err := unix.Fchownat(dirfd, name, int(uid), int(gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("/%s: chown: %w", rel, err)
	}
	if st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 && st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Fchmodat(dirfd, name, st.Mode&0o7777, 0); err != nil {
			return fmt.Errorf("/%s: chmod: %w", rel, err)
		}
	}
	s.n++
	return nil
}

// shifted is the shifted id of id.
func (s *shifter) shifted(id uint32) (uint32, error) {
	switch {
	case id < ir.GuestIDs:
		return s.base + id, nil
	case id >= s.base && id < s.base+ir.GuestIDs:
		return id, nil
	}
	return 0, fmt.Errorf("%d is neither a guest's (below %d) nor this guest's shifted range (%d..%d)", id, ir.GuestIDs, s.base, s.base+ir.GuestIDs-1)
}
