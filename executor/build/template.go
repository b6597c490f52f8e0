package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/ulikunitz/xz"
	"golang.org/x/sys/unix"
)

// template extracts a tar archive (plain, gzip, bzip2 or xz) into the
// root, as util-vserver's `-m template -- -t ARCHIVE` did, but safely.
func template(archive string, t *tree, out io.Writer) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	defer f.Close()
	if err := extract(f, t, out); err != nil {
		return fmt.Errorf("template %s: %w", archive, err)
	}
	return nil
}

// decompress picks the decompressor by the archive's first bytes, not by
// its name.
func decompress(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		return zr, "gzip", err
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		zr, err := xz.NewReader(br)
		return zr, "xz", err
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), "bzip2", nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, "", errors.New("zstd-compressed: vsc reads plain, gzip, bzip2 and xz tar archives; recompress it (zstd -dc A | xz > A.tar.xz)")
	}
	return br, "plain", nil
}

// An extractor writes a tar archive's entries beneath a tree.
type extractor struct {
	t       *tree
	out     io.Writer
	entries int
	dropped int
	dirs    map[string]meta // folders' metadata, set last (their content changes their times)
	order   []string        // the folders of dirs, first seen first
}

// extract writes the archive r into the tree. An entry whose path is
// absolute or leads out of the root (by "..", or through a symlink the
// archive made) fails the whole extraction before anything is written
// for it: such an archive is hostile or broken, and a guest built from it
// is not what its author meant. Device nodes and FIFOs are dropped.
func extract(r io.Reader, t *tree, out io.Writer) error {
	zr, kind, err := decompress(r)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "extracting a tar archive (%s)\n", kind)
	x := &extractor{t: t, out: out, dirs: map[string]meta{}}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d entries: %w", x.entries, err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		x.entries++
	}
	// Read the compressed stream to its end so that its checksum is
	// checked: tar stops at its end-of-archive blocks.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("after the last entry: %w", err)
	}
	if err := x.finish(); err != nil {
		return err
	}
	fmt.Fprintf(out, "extracted %d entries, dropped %d device nodes and FIFOs\n", x.entries, x.dropped)
	return nil
}

// entryPath cleans an entry's name into a path relative to the root, ""
// for the root itself, and refuses one that is absolute or climbs out.
func entryPath(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty name")
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("absolute path %w; refused", errEscape)
	}
	c := path.Clean(name)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %w by ..; refused", errEscape)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

func headerMeta(hdr *tar.Header) meta {
	m := meta{
		mode:  uint32(hdr.Mode) & 0o7777,
		uid:   hdr.Uid,
		gid:   hdr.Gid,
		mtime: unix.NsecToTimespec(hdr.ModTime.UnixNano()),
	}
	m.atime = m.mtime
	if !hdr.AccessTime.IsZero() {
		m.atime = unix.NsecToTimespec(hdr.AccessTime.UnixNano())
	}
	return m
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	rel, err := entryPath(hdr.Name)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		// A device node in a guest is a door into the host; the guest
		// gets the minimal /dev instead.
		x.dropped++
		what := "fifo"
		switch hdr.Typeflag {
		case tar.TypeChar:
			what = fmt.Sprintf("char %d:%d", hdr.Devmajor, hdr.Devminor)
		case tar.TypeBlock:
			what = fmt.Sprintf("block %d:%d", hdr.Devmajor, hdr.Devminor)
		}
		fmt.Fprintf(x.out, "dropped /%s (%s)\n", rel, what)
		return nil
	case tar.TypeDir, tar.TypeReg, tar.TypeGNUSparse, tar.TypeSymlink, tar.TypeLink:
	default:
		fmt.Fprintf(x.out, "skipped /%s (tar entry type %q)\n", rel, hdr.Typeflag)
		return nil
	}
	if rel == "" {
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("the root itself must be a folder")
		}
		x.dir("", headerMeta(hdr))
		return nil
	}

	parent, base := split(rel)
	pfd, err := x.t.dir(parent)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)

	// The link's target is opened before anything at the entry's own
	// path is removed: a hard link may name a file the entry replaces.
	lfd := -1
	if hdr.Typeflag == tar.TypeLink {
		target, err := entryPath(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
		}
		if target == rel {
			return nil
		}
		if lfd, err = x.t.open(target, unix.O_PATH|unix.O_NOFOLLOW, 0); err != nil {
			return fmt.Errorf("hard link to %q, which the archive has not made before it: %w", hdr.Linkname, err)
		}
		defer unix.Close(lfd)
		var st unix.Stat_t
		if err := unix.Fstat(lfd, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return fmt.Errorf("hard link to the folder %q", hdr.Linkname)
		}
	}

	if err := x.clear(pfd, base, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	m := headerMeta(hdr)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil && err != unix.EEXIST {
			return err
		}
		x.dir(rel, m)
		return nil
	case tar.TypeSymlink:
		// The target is the guest's business: it is resolved inside the
		// guest, where / is the root. Nothing is written through it here.
		if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
			return err
		}
		return m.set(pfd, base, -1)
	case tar.TypeLink:
		err := unix.Linkat(lfd, "", pfd, base, unix.AT_EMPTY_PATH)
		if err == unix.ENOENT || err == unix.EPERM {
			// AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH on older kernels;
			// /proc's link to the open file does not.
			err = unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", lfd), pfd, base, unix.AT_SYMLINK_FOLLOW)
		}
		return err
	}
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), x.t.path(rel))
	defer f.Close()
	if err := writeContent(f, r, hdr); err != nil {
		return err
	}
	return m.set(pfd, base, fd)
}

// clear makes room for an entry: tar's later entries replace earlier ones.
// A folder stays when the entry is a folder too; an empty one goes
// otherwise; a folder with content is an error.
func (x *extractor) clear(pfd int, base string, isDir bool) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.Unlinkat(pfd, base, 0)
	}
	if isDir {
		return nil
	}
	if err := unix.Unlinkat(pfd, base, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("replacing a folder: %w", err)
	}
	return nil
}

// writeContent copies an entry's content; a sparse entry's holes stay
// holes.
func writeContent(f *os.File, r io.Reader, hdr *tar.Header) error {
	sparse := hdr.Typeflag == tar.TypeGNUSparse
	for k := range hdr.PAXRecords {
		sparse = sparse || strings.HasPrefix(k, "GNU.sparse.")
	}
	if !sparse {
		_, err := io.Copy(f, r)
		return err
	}
	buf := make([]byte, 64<<10)
	var off int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if allZero(buf[:n]) {
				// Leave a hole.
			} else if _, werr := f.WriteAt(buf[:n], off); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return f.Truncate(off)
		}
		if err != nil {
			return err
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (x *extractor) dir(rel string, m meta) {
	if _, ok := x.dirs[rel]; !ok {
		x.order = append(x.order, rel)
	}
	x.dirs[rel] = m
}

// finish gives the archive's folders their owners, modes and times, once
// nothing more is written in them. A folder a later entry replaced by
// something else is skipped.
func (x *extractor) finish() error {
	for i := len(x.order) - 1; i >= 0; i-- {
		rel := x.order[i]
		m := x.dirs[rel]
		if rel == "" {
			fd, err := unix.Openat(x.t.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			err = m.setRoot(fd)
			unix.Close(fd)
			if err != nil {
				return fmt.Errorf("the root: %w", err)
			}
			continue
		}
		parent, base := split(rel)
		pfd, err := x.t.open(parent, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return fmt.Errorf("folder %q: %w", rel, err)
		}
		fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == unix.ENOTDIR || err == unix.ELOOP || err == unix.ENOENT {
			unix.Close(pfd)
			continue
		}
		if err == nil {
			err = m.set(pfd, base, fd)
			unix.Close(fd)
		}
		unix.Close(pfd)
		if err != nil {
			return fmt.Errorf("folder %q: %w", rel, err)
		}
	}
	return nil
}
