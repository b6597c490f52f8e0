package build

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sourceTree makes a guest-like tree to copy: owners, modes, a hard link
// pair, symlinks, a FIFO, a socket, a /dev with device nodes, a /proc with
// a file, and a device node elsewhere.
func sourceTree(t *testing.T, src string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"etc", "bin", "dev/pts", "proc/1", "sys", "var/lib", "home/u"} {
		must(os.MkdirAll(filepath.Join(src, d), 0o755))
	}
	must(os.WriteFile(filepath.Join(src, "etc/shadow"), []byte("root:*:\n"), 0o640))
	must(os.Chown(filepath.Join(src, "etc/shadow"), 0, 42))
	must(os.Chmod(filepath.Join(src, "etc/shadow"), 0o640))
	must(os.WriteFile(filepath.Join(src, "bin/busybox"), []byte("binary"), 0o755))
	must(os.WriteFile(filepath.Join(src, "bin/su"), []byte("su"), 0o755))
	must(unix.Chmod(filepath.Join(src, "bin/su"), 0o4755))
	must(os.Link(filepath.Join(src, "bin/busybox"), filepath.Join(src, "bin/ls")))
	must(os.Symlink("busybox", filepath.Join(src, "bin/sh")))
	must(os.Symlink("/etc/passwd", filepath.Join(src, "etc/hostpasswd"))) // copied as a link, never followed
	must(os.WriteFile(filepath.Join(src, "home/u/notes"), []byte("u's"), 0o600))
	must(os.Chown(filepath.Join(src, "home/u/notes"), 1000, 1000))
	must(os.Chown(filepath.Join(src, "home/u"), 1000, 1000))
	must(os.Chmod(filepath.Join(src, "home/u"), 0o750))
	must(unix.Mkfifo(filepath.Join(src, "var/lib/fifo"), 0o600))
	must(unix.Mknod(filepath.Join(src, "dev/sda"), unix.S_IFBLK|0o600, int(unix.Mkdev(8, 0))))
	must(unix.Mknod(filepath.Join(src, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(unix.Mknod(filepath.Join(src, "var/lib/mem"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 1))))
	must(os.WriteFile(filepath.Join(src, "proc/1/status"), []byte("x"), 0o644))
	must(os.Chmod(filepath.Join(src, "proc"), 0o555))
	l, err := (&net{}).listen(filepath.Join(src, "var/lib/sock"))
	must(err)
	defer unix.Close(l)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, f := range []string{"etc/shadow", "bin", "home/u/notes"} {
		must(os.Chtimes(filepath.Join(src, f), old, old))
	}
}

// net makes a unix socket file without the net package.
type net struct{}

func (*net) listen(name string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	return fd, unix.Bind(fd, &unix.SockaddrUnix{Name: name})
}

func TestCopy(t *testing.T) {
	needRoot(t)
	for _, method := range []string{"rsync", "clone"} {
		t.Run(method, func(t *testing.T) {
			p := newPlace(t)
			src := filepath.Join(p.dir, "guests", "src")
			sourceTree(t, src)
			op := p.op(method)
			op.Source = src + "/"
			var out bytes.Buffer
			if err := Build(op, Options{Out: &out}); err != nil {
				t.Fatalf("Build: %v\n%s", err, out.String())
			}
			t.Log(out.String())
			root := p.root

			st := lstat(t, filepath.Join(root, "etc/shadow"))
			if st.Uid != 0 || st.Gid != 42 || st.Mode&0o7777 != 0o640 || st.Mtim.Sec != 981173106 {
				t.Errorf("etc/shadow: %d:%d %#o mtime %d", st.Uid, st.Gid, st.Mode&0o7777, st.Mtim.Sec)
			}
			if m := lstat(t, filepath.Join(root, "bin/su")).Mode & 0o7777; m != 0o4755 {
				t.Errorf("bin/su mode %#o, want 04755", m)
			}
			if st := lstat(t, filepath.Join(root, "bin")); st.Mtim.Sec != 981173106 {
				t.Errorf("bin mtime %d, want the source's", st.Mtim.Sec)
			}
			a, b := lstat(t, filepath.Join(root, "bin/busybox")), lstat(t, filepath.Join(root, "bin/ls"))
			if a.Ino != b.Ino || a.Nlink != 2 {
				t.Errorf("bin/ls and bin/busybox are not one file with 2 links (%d, %d, nlink %d)", a.Ino, b.Ino, a.Nlink)
			}
			if s := lstat(t, filepath.Join(src, "bin/busybox")); s.Ino == a.Ino {
				t.Error("the copy shares its inode with the source")
			}
			if l, _ := os.Readlink(filepath.Join(root, "bin/sh")); l != "busybox" {
				t.Errorf("bin/sh → %q", l)
			}
			if l, _ := os.Readlink(filepath.Join(root, "etc/hostpasswd")); l != "/etc/passwd" {
				t.Errorf("etc/hostpasswd → %q, want a symlink to /etc/passwd", l)
			}
			st = lstat(t, filepath.Join(root, "home/u"))
			if st.Uid != 1000 || st.Mode&0o7777 != 0o750 {
				t.Errorf("home/u: uid %d mode %#o", st.Uid, st.Mode&0o7777)
			}
			if got := readFile(t, filepath.Join(root, "home/u/notes")); got != "u's" {
				t.Errorf("home/u/notes = %q", got)
			}
			for _, gone := range []string{"var/lib/fifo", "var/lib/mem", "var/lib/sock", "proc/1", "dev/sda"} {
				if exists(filepath.Join(root, gone)) {
					t.Errorf("/%s was copied", gone)
				}
			}
			if st := lstat(t, filepath.Join(root, "proc")); st.Mode&0o7777 != 0o555 {
				t.Errorf("proc mode %#o, want the source's 0555", st.Mode&0o7777)
			}
			if names, _ := dirNames(filepath.Join(root, "sys")); len(names) != 0 {
				t.Errorf("sys holds %v", names)
			}
			checkDev(t, root)
			for _, want := range []string{"skipped the source's /dev", "dropped /var/lib/mem (char 1:1)", "dropped /var/lib/fifo (fifo)", "dropped /var/lib/sock (socket)"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
			p.checkCanary(t)
		})
	}
}

// TestCopyIntoItself: a source that holds the new root (P2V of "/") skips
// it instead of copying the copy into itself.
func TestCopyIntoItself(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	os.WriteFile(filepath.Join(p.dir, "file"), []byte("x"), 0o644)
	op := p.op("rsync")
	op.Source = p.dir
	var out bytes.Buffer
	if err := Build(op, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "skipped /guests/web (the guest's own root)") {
		t.Errorf("output:\n%s", out.String())
	}
	if !exists(filepath.Join(p.root, "file")) || !exists(filepath.Join(p.root, "guests")) || exists(filepath.Join(p.root, "guests/web")) {
		t.Error("the copy of a source holding the root is wrong")
	}
}

// TestCopyPseudo: a pseudo-filesystem mounted inside the source is not
// entered.
func TestCopyPseudo(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	src := filepath.Join(p.dir, "src")
	os.MkdirAll(filepath.Join(src, "var/proc"), 0o755)
	if err := unix.Mount("proc", filepath.Join(src, "var/proc"), "proc", 0, ""); err != nil {
		t.Skipf("SKIP: cannot mount a proc to copy from: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(filepath.Join(src, "var/proc"), unix.MNT_DETACH) })
	op := p.op("clone")
	op.Source = src
	var out bytes.Buffer
	if err := Build(op, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if names, _ := dirNames(filepath.Join(p.root, "var/proc")); len(names) != 0 {
		t.Errorf("var/proc holds %d entries", len(names))
	}
	if !strings.Contains(out.String(), "skipped /var/proc (a kernel pseudo-filesystem)") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestCopyMissingSource(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	op := p.op("rsync")
	op.Source = filepath.Join(p.dir, "nowhere")
	err := Build(op, Options{})
	if err == nil || !strings.Contains(err.Error(), "source") || exists(p.root) {
		t.Fatalf("Build: %v (root exists: %v)", err, exists(p.root))
	}
	if !errorsIsNotExist(err) {
		t.Errorf("error %v is not a not-exist error", err)
	}
}

func errorsIsNotExist(err error) bool {
	for e := err; e != nil; {
		if pe, ok := e.(*os.PathError); ok {
			return pe.Err == syscall.ENOENT
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
