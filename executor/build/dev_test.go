package build

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// checkDev checks the minimal /dev of domain.md, and nothing more.
func checkDev(t *testing.T, root string) {
	t.Helper()
	dev := filepath.Join(root, "dev")
	want := map[string][2]uint32{
		"null": {1, 3}, "zero": {1, 5}, "full": {1, 7}, "random": {1, 8},
		"urandom": {1, 9}, "tty": {5, 0}, "ptmx": {5, 2},
	}
	for name, mm := range want {
		st := lstat(t, filepath.Join(dev, name))
		if st.Mode&unix.S_IFMT != unix.S_IFCHR {
			t.Errorf("/dev/%s is not a char device (mode %#o)", name, st.Mode)
			continue
		}
		if maj, min := unix.Major(st.Rdev), unix.Minor(st.Rdev); maj != mm[0] || min != mm[1] {
			t.Errorf("/dev/%s is %d:%d, want %d:%d", name, maj, min, mm[0], mm[1])
		}
		if st.Mode&0o7777 != 0o666 || st.Uid != 0 || st.Gid != 0 {
			t.Errorf("/dev/%s mode %#o owner %d:%d, want 0666 root", name, st.Mode&0o7777, st.Uid, st.Gid)
		}
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, target := range links {
		if got, err := os.Readlink(filepath.Join(dev, name)); err != nil || got != target {
			t.Errorf("/dev/%s → %q (%v), want %s", name, got, err, target)
		}
	}
	if st := lstat(t, filepath.Join(dev, "shm")); st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Mode&0o7777 != 0o1777 {
		t.Errorf("/dev/shm mode %#o, want a folder 01777", st.Mode)
	}
	if st := lstat(t, filepath.Join(dev, "pts")); st.Mode&unix.S_IFMT != unix.S_IFDIR {
		t.Errorf("/dev/pts is not a folder")
	}
	if names, _ := dirNames(filepath.Join(dev, "pts")); len(names) != 0 {
		t.Errorf("/dev/pts holds %v, want it empty", names)
	}
	if st := lstat(t, dev); st.Mode&0o7777 != 0o755 || st.Uid != 0 {
		t.Errorf("/dev mode %#o owner %d, want 0755 root", st.Mode&0o7777, st.Uid)
	}
	names, _ := dirNames(dev)
	slices.Sort(names)
	all := []string{"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}
	if !slices.Equal(names, all) {
		t.Errorf("/dev holds %v, want %v", names, all)
	}
}

// TestMinimalDevWorks writes to the guest's /dev/null and reads its
// /dev/zero: the nodes are the kernel's, usable.
func TestMinimalDevWorks(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	if err := Build(p.op("skeleton"), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.root, "dev/null"), []byte("x"), 0); err != nil {
		t.Errorf("/dev/null: %v", err)
	}
	f, err := os.Open(filepath.Join(p.root, "dev/zero"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 4)
	if _, err := f.Read(b); err != nil || b[0]|b[1]|b[2]|b[3] != 0 {
		t.Errorf("/dev/zero read %v, %v", b, err)
	}
}
