package executor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindProjidSet, projidHandler{}) }

// projidHandler applies projid.set: `chxid -R -c ID PATH`, the project id
// of every folder and regular file of a tree (FS_IOC_FSSETXATTR
// fsx_projid), with FS_XFLAG_PROJINHERIT on its folders so that what is
// created there later gets the id too. The top folder stands for the
// tree: its id and inherit flag are the object the diff compares; a top
// folder with project 0 and no inherit flag is no object. Project ids
// carry no mark: vsc knows its own by its record.
//
// Undoing sets project 0 and clears the inherit flag on the same tree.
// Undoing a change (300 → 301) re-creates the old op, which tags the tree
// 300 again; a first tagging undone leaves the tree at 0, as it was when
// its top folder was.
type projidHandler struct{}

func (projidHandler) key(b ir.Body) string { return "projid:" + b.(*ir.ProjidSet).Path }

func (projidHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	out := map[string]live{}
	for _, b := range bodies {
		path := b.(*ir.ProjidSet).Path
		k := "projid:" + path
		if _, ok := out[k]; ok {
			continue
		}
		fsx, err := pathFsxattr(path)
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ELOOP), noProjids(err):
			// No folder, or none that can have a project id.
			continue
		case err != nil:
			return nil, err
		}
		inherit := fsx.Xflags&fsXflagProjinherit != 0
		if fsx.Projid == 0 && !inherit {
			continue
		}
		out[k] = live{body: &ir.ProjidSet{Path: path, ID: fsx.Projid, Recursive: inherit}}
	}
	return out, nil
}

func (projidHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.ProjidSet), got.(*ir.ProjidSet)
	return *w == *g
}

func (projidHandler) precheck(h *Host, b ir.Body, w *world) error {
	p := b.(*ir.ProjidSet)
	if m := pendingMountOf(w, p.Path); m != nil {
		// The filesystem is mounted by this run: only its type can be
		// judged now, and the folder looked for once it is there.
		switch m.Type {
		case "xfs", "ext4":
			return nil
		}
		return fmt.Errorf("%s will be on the %s filesystem this run mounts on %s, which has no project ids (use XFS or ext4 with the project feature)", p.Path, m.Type, m.Target)
	}
	fi, err := os.Lstat(p.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the folder %s does not exist", p.Path)
	case err != nil:
		return err
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: name the folder itself", p.Path)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", p.Path)
	}
	return probeProjid(p.Path, p.ID)
}

func (projidHandler) create(h *Host, b ir.Body) error {
	p := b.(*ir.ProjidSet)
	err := walkTree(p.Path, p.Recursive, tagWith(p.ID, p.Recursive))
	if err == nil {
		return nil
	}
	// The rollback undoes the steps done, not this one: leave no tree
	// half tagged.
	if uerr := walkTree(p.Path, p.Recursive, tagWith(0, false)); uerr != nil {
		return fmt.Errorf("%w; untagging the part tagged failed too: %v", err, uerr)
	}
	return err
}

func (projidHandler) remove(h *Host, b ir.Body) error {
	p := b.(*ir.ProjidSet)
	err := walkTree(p.Path, p.Recursive, tagWith(0, false))
	if err == nil {
		return nil
	}
	if rerr := walkTree(p.Path, p.Recursive, tagWith(p.ID, p.Recursive)); rerr != nil {
		return fmt.Errorf("%w; tagging the part untagged again failed too: %v", err, rerr)
	}
	return err
}

// tagWith returns what a walk does to each file: give it project id, and
// to a folder the inherit flag, or take it away.
func tagWith(id uint32, inherit bool) func(fd int, dir bool) error {
	return func(fd int, dir bool) error {
		old, err := getFsxattr(fd)
		if err != nil {
			return err
		}
		fsx := old
		fsx.Projid = id
		if dir && inherit {
			fsx.Xflags |= fsXflagProjinherit
		} else if dir {
			fsx.Xflags &^= fsXflagProjinherit
		}
		if fsx == old {
			return nil
		}
		return setFsxattr(fd, &fsx)
	}
}

// probeProjid tries the project id on an unnamed file in dir (O_TMPFILE):
// no one sees it and it goes when closed, so whether the filesystem takes
// project ids is known without changing anything. Reading a project id
// is not enough: tmpfs reads 0 and refuses any other, and so does ext4
// without its project feature.
func probeProjid(dir string, id uint32) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, unix.EROFS) {
		return fmt.Errorf("%s is on a read-only filesystem", dir)
	}
	if err != nil {
		// No unnamed files here (or no room for one): the folder's own
		// attributes say at least whether the filesystem has any.
		if _, err := pathFsxattr(dir); noProjids(err) {
			return errNoProjids(dir)
		}
		return nil
	}
	defer unix.Close(fd)
	fsx, err := getFsxattr(fd)
	if err == nil {
		fsx.Projid = id
		err = setFsxattr(fd, &fsx)
	}
	switch {
	case err == nil, errors.Is(err, unix.EDQUOT):
		return nil
	case noProjids(err):
		return errNoProjids(dir)
	}
	return fmt.Errorf("cannot set a project id under %s: %w", dir, err)
}

func errNoProjids(dir string) error {
	return fmt.Errorf("the filesystem at %s has no project ids (use XFS or ext4 with the project feature)", dir)
}

// noProjids tells whether an FS_IOC_FS[GS]ETXATTR error means that the
// filesystem has no project ids.
func noProjids(err error) bool {
	return errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EOPNOTSUPP)
}

// walkTree calls fn on the folder path and, when recursive, on every
// folder and regular file below it on the same filesystem. Every entry is
// opened relative to its parent's descriptor without following symbolic
// links, so a guest that swaps a folder for a link while the walk runs
// cannot lead it out of the tree. Symbolic links, device nodes, FIFOs and
// sockets are skipped (xfs_quota's project -s skips them too: the ioctl
// needs an open file, and opening a device node talks to the device), and
// so are other filesystems mounted in the tree, which have ids of their
// own.
func walkTree(path string, recursive bool, fn func(fd int, dir bool) error) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	return walkDir(fd, path, st.Dev, recursive, fn)
}

// walkDir walks the folder open as fd, and closes fd. A folder comes
// after what it holds, so the top folder, which stands for the tree, is
// done last: a walk cut short (a crash) leaves it as it was, and the next
// run walks the tree again.
func walkDir(fd int, name string, dev uint64, recursive bool, fn func(fd int, dir bool) error) error {
	dir := os.NewFile(uintptr(fd), name)
	defer dir.Close()
	for recursive {
		names, err := dir.Readdirnames(512)
		for _, n := range names {
			if err := walkEntry(fd, name, n, dev, fn); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := fn(fd, true); err != nil {
		return &os.PathError{Op: "set the project id of", Path: name, Err: err}
	}
	return nil
}

func walkEntry(dirfd int, dirName, n string, dev uint64, fn func(fd int, dir bool) error) error {
	path := filepath.Join(dirName, n)
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // gone meanwhile
		}
		return &os.PathError{Op: "lstat", Path: path, Err: err}
	}
	flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if st.Dev != dev {
			return nil
		}
		flags |= unix.O_DIRECTORY
	case unix.S_IFREG:
		flags |= unix.O_NONBLOCK | unix.O_NOCTTY
	default:
		return nil
	}
	fd, err := unix.Openat(dirfd, n, flags, 0)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return nil // replaced meanwhile
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if now.Ino != st.Ino || now.Dev != st.Dev {
		unix.Close(fd)
		return nil // replaced meanwhile
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return walkDir(fd, path, dev, true, fn)
	}
	defer unix.Close(fd)
	if err := fn(fd, false); err != nil {
		return &os.PathError{Op: "set the project id of", Path: path, Err: err}
	}
	return nil
}

// struct fsxattr and its ioctls (<linux/fs.h>), which x/sys/unix does not
// wrap. The request numbers are _IOR/_IOW('X', 31/32, struct fsxattr) in
// the common encoding (x86, arm, arm64, riscv, s390, loongarch).
type fsxattr struct {
	Xflags     uint32
	Extsize    uint32
	Nextents   uint32
	Projid     uint32
	Cowextsize uint32
	_          [8]byte
}

var _ [28]byte = [unsafe.Sizeof(fsxattr{})]byte{}

const (
	fsIocFsgetxattr    = 0x801c581f
	fsIocFssetxattr    = 0x401c5820
	fsXflagProjinherit = 0x00000200 // FS_XFLAG_PROJINHERIT
)

func getFsxattr(fd int) (fsxattr, error) {
	var fsx fsxattr
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocFsgetxattr, uintptr(unsafe.Pointer(&fsx)))
	if errno != 0 {
		return fsx, errno
	}
	return fsx, nil
}

func setFsxattr(fd int, fsx *fsxattr) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocFssetxattr, uintptr(unsafe.Pointer(fsx)))
	if errno != 0 {
		return errno
	}
	return nil
}

// ProjectID reads the project id of a file or folder (FS_IOC_FSGETXATTR),
// not following a link; ok is false where there is none to read (a
// special file, a filesystem without project ids). For disk use by
// project id (vsc status).
func ProjectID(path string) (id uint32, ok bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOATIME, 0)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	fsx, err := getFsxattr(fd)
	return fsx.Projid, err == nil
}

// pathFsxattr reads the attributes of a folder, not following a link.
func pathFsxattr(path string) (fsxattr, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fsxattr{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	fsx, err := getFsxattr(fd)
	if err != nil {
		return fsx, &os.PathError{Op: "FS_IOC_FSGETXATTR", Path: path, Err: err}
	}
	return fsx, nil
}
