package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func owner(t *testing.T, p string) (uint32, uint32, uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid, st.Gid, st.Mode
}

// Shift moves every owner to the guest's range, keeps setuid bits, does
// not follow symlinks, shifts a hard link once, and is idempotent.
func TestShift(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: chown needs root")
	}
	const base = 300 << 16
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, nil, 0o644)
	os.MkdirAll(filepath.Join(root, "home/user"), 0o755)
	os.WriteFile(filepath.Join(root, "home/user/file"), []byte("x"), 0o600)
	os.Chown(filepath.Join(root, "home/user"), 1000, 1000)
	os.Chown(filepath.Join(root, "home/user/file"), 1000, 100)
	os.WriteFile(filepath.Join(root, "su"), []byte("#!/bin/sh\n"), 0o755)
	unix.Chmod(filepath.Join(root, "su"), 0o4755)
	os.Link(filepath.Join(root, "home/user/file"), filepath.Join(root, "hardlink"))
	os.Symlink(outside, filepath.Join(root, "out"))
	n, err := Shift(root, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 { // the root, home, home/user, the file (once), su, out
		t.Errorf("shifted %d entries, want 6", n)
	}
	for p, want := range map[string][2]uint32{
		"": {base, base}, "home/user": {base + 1000, base + 1000}, "home/user/file": {base + 1000, base + 100},
		"hardlink": {base + 1000, base + 100}, "su": {base, base}, "out": {base, base},
	} {
		if u, g, _ := owner(t, filepath.Join(root, p)); u != want[0] || g != want[1] {
			t.Errorf("/%s owned by %d:%d, want %d:%d", p, u, g, want[0], want[1])
		}
	}
	if _, _, mode := owner(t, filepath.Join(root, "su")); mode&unix.S_ISUID == 0 {
		t.Errorf("su lost its setuid bit: %o", mode)
	}
	if u, _, _ := owner(t, outside); u != 0 {
		t.Errorf("the symlink's target outside the tree was chowned to %d", u)
	}
	if n, err := Shift(root, base, nil); err != nil || n != 0 {
		t.Errorf("a second shift: %d, %v; want nothing to do", n, err)
	}
	// An owner of another range is refused.
	os.WriteFile(filepath.Join(root, "alien"), nil, 0o644)
	os.Chown(filepath.Join(root, "alien"), 301<<16, 0)
	if _, err := Shift(root, base, nil); err == nil || !strings.Contains(err.Error(), "/alien: uid 19726336 is neither") {
		t.Errorf("another guest's file: %v", err)
	}
}
