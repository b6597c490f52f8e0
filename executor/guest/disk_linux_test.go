package guest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDiskUsed counts the space of a guest root on XFS, whose files carry
// project ids (with or without quotas), against find, lsattr -p and
// stat. The test runs again in a private mount namespace of its own
// (unshare -m), where it mounts a fresh XFS image: its mount and loop
// device end with it.
func TestDiskUsed(t *testing.T) {
	const childEnv = "VSC_TEST_DISK_CHILD"
	if os.Getenv(childEnv) == "" {
		needRoot(t)
		for _, tool := range []string{"unshare", "mkfs.xfs", "chattr", "lsattr", "find", "stat", "awk"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skipf("SKIP: disk test needs %s", tool)
			}
		}
		img := filepath.Join(t.TempDir(), "xfs.img")
		if err := os.WriteFile(img, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(img, 320<<20); err != nil {
			t.Fatal(err)
		}
		run(t, "mkfs.xfs", "-q", img)
		cmd := exec.Command("unshare", "-m", "--propagation", "private", os.Args[0], "-test.run=^TestDiskUsed$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"="+img)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("in a mount namespace of its own: %v\n%s", err, out)
		}
		t.Logf("%s", grepLines(string(out), "disk_linux_test"))
		return
	}
	img := os.Getenv(childEnv)
	mnt := t.TempDir()
	run(t, "mount", "-o", "loop", img, mnt)
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	root := filepath.Join(mnt, "web")
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "big"), make([]byte, 1<<20), 0o644)
	os.WriteFile(filepath.Join(root, "small"), []byte("x"), 0o644)
	os.Link(filepath.Join(root, "etc", "big"), filepath.Join(root, "big-link"))
	os.WriteFile(filepath.Join(mnt, "outside"), make([]byte, 3<<20), 0o644)

	if got := diskUsed(root, 300); got != nil {
		t.Errorf("a root without a project id: %d KiB, want nil", *got)
	}
	run(t, "chattr", "-R", "-p", "300", "+P", root)
	got := diskUsed(root, 300)
	if got == nil {
		t.Fatalf("a root with project id 300: nil")
	}
	// Every file and folder with project id 300, each inode once.
	script := `find "$1" -xdev \( -type f -o -type d \) | while read -r f; do
		set -- $(lsattr -pd "$f"); [ "$1" = 300 ] && stat -c '%i %b %B' "$f"
	done | sort -u | awk '{ s += $2 * $3 } END { print int((s + 1023) / 1024) }'`
	want, err := strconv.ParseUint(strings.TrimSpace(run(t, "sh", "-c", script, "sh", root)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if *got != want || want < 1024 {
		t.Errorf("disk used by project 300: %d KiB, find, lsattr and stat say %d KiB", *got, want)
	}
	t.Logf("disk used by project 300: %d KiB, find, lsattr and stat say %d KiB", *got, want)
}
