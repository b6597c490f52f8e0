package executor

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Filesystem tests run as root in a mount namespace of their own: the
// test runs its own binary again, running only itself, in a new private
// mount namespace (inMountNS), where it mounts what it likes; when that
// child exits, its mounts go with it, and none ever reaches the machine's
// namespace. The parent makes the images and loop devices the child
// uses, and in t.Cleanup, even when the child failed, detaches them and
// checks that no loop device is left on its images. Results are read
// back with independent readers: grep on /proc/self/mountinfo, lsattr -p,
// losetup, xfs_quota.

const (
	mntnsEnv = "VSC_TEST_MNTNS"  // the test a child process runs
	imageEnv = "VSC_TEST_IMAGES" // its images: IMAGE=DEV (DEV may be empty), space-separated
	outerEnv = "VSC_TEST_OUTER"  // the parent's mount namespace, which the child must not be in
)

// image is a filesystem image made for a test, with the loop device it is
// attached to, if any.
type image struct {
	file string
	dev  string
}

// inChild tells whether this process is the child running t.
func inChild(t *testing.T) bool { return os.Getenv(mntnsEnv) == t.Name() }

// needFS skips a filesystem test, loudly, when it cannot run.
func needFS(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: filesystem test needs root (mount namespaces, loop devices)")
	}
	for _, tool := range append([]string{"losetup", "grep"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: filesystem test needs %s (%v)", tool, err)
		}
	}
}

var (
	childImages []image
	childNext   int

	// parentImages are the images each test made, for its child.
	parentImages sync.Map // test name → []*image
)

// newImage makes an image of a fresh filesystem of that type (mkfs.TYPE
// with args) in a temporary folder, not attached: vsc attaches it itself.
// In the child, it returns the image the parent made at this point.
func newImage(t *testing.T, fstype string, sizeMiB int64, args ...string) *image {
	t.Helper()
	if inChild(t) {
		if childNext >= len(childImages) {
			t.Fatalf("the parent made %d images, the child wants more", len(childImages))
		}
		childNext++
		return &childImages[childNext-1]
	}
	needFS(t, "mkfs."+fstype)
	img := &image{file: filepath.Join(t.TempDir(), fstype+".img")}
	f, err := os.Create(img.file)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(sizeMiB << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	runCmd(t, "mkfs."+fstype, append(args, img.file)...)
	t.Cleanup(func() { checkNoLoop(t, img.file) })
	v, _ := parentImages.Load(t.Name())
	imgs, _ := v.([]*image)
	parentImages.Store(t.Name(), append(imgs, img))
	return img
}

// newLoop makes an image as newImage does and attaches it to a free loop
// device (losetup --find --show).
func newLoop(t *testing.T, fstype string, sizeMiB int64, args ...string) *image {
	t.Helper()
	img := newImage(t, fstype, sizeMiB, args...)
	if inChild(t) {
		return img
	}
	img.dev = strings.TrimSpace(runCmd(t, "losetup", "--find", "--show", img.file))
	t.Cleanup(func() {
		// The child is gone and its mounts with it; whatever still holds
		// the device, losetup -d detaches it once released.
		if out, err := exec.Command("losetup", "-d", img.dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v\n%s", img.dev, err, out)
		}
	})
	return img
}

// checkNoLoop fails the test when a loop device is still attached to the
// image a moment after the test (a detach is asynchronous), and detaches
// it.
func checkNoLoop(t *testing.T, file string) {
	var left string
	for range 50 {
		out, _ := exec.Command("losetup", "--associated", file).Output()
		if left = strings.TrimSpace(string(out)); left == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("a loop device is left on %s:\n%s", file, left)
	for _, line := range strings.Split(left, "\n") {
		if dev, _, ok := strings.Cut(line, ":"); ok {
			exec.Command("losetup", "-d", dev).Run()
		}
	}
}

// inMountNS runs fn in a copy of this test process in a private mount
// namespace of its own, with the images the test made before. A skip
// there is a skip here, with its reason.
func inMountNS(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	if inChild(t) {
		// Go's exec made / private already (Unshareflags below); make
		// sure, and make sure this is not the parent's namespace.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			t.Fatalf("making / private: %v", err)
		}
		if ns, _ := os.Readlink("/proc/self/ns/mnt"); ns == "" || ns == os.Getenv(outerEnv) {
			t.Fatalf("the child is in the parent's mount namespace (%q): refusing to mount anything", ns)
		}
		fn(t)
		return
	}
	needFS(t)
	outer, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	var imgs []string
	v, _ := parentImages.LoadAndDelete(t.Name())
	images, _ := v.([]*image)
	for _, img := range images {
		imgs = append(imgs, img.file+"="+img.dev)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), mntnsEnv+"="+t.Name(), imageEnv+"="+strings.Join(imgs, " "), outerEnv+"="+outer)
	// With CLONE_NEWNS in Unshareflags, the child starts in a new mount
	// namespace with / made private (recursively) before the test binary
	// runs: its mounts never propagate back.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in its own mount namespace: %v\n%s", err, out)
	}
	if reason, ok := skipReason(string(out), t.Name()); ok {
		t.Skip(reason)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the child did not run %s:\n%s", t.Name(), out)
	}
	if testing.Verbose() {
		t.Logf("child:\n%s", out)
	}
	// Nothing the child mounted is in this namespace.
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range images {
		if img.dev != "" && strings.Contains(string(info), " "+img.dev+" ") {
			t.Errorf("%s is mounted in the test's own namespace:\n%s", img.dev, info)
		}
	}
}

func init() {
	for _, kv := range strings.Fields(os.Getenv(imageEnv)) {
		file, dev, _ := strings.Cut(kv, "=")
		childImages = append(childImages, image{file: file, dev: dev})
	}
}

// skipReason finds the messages of a test the child skipped.
func skipReason(out, name string) (string, bool) {
	if !strings.Contains(out, "--- SKIP: "+name+" ") {
		return "", false
	}
	var msgs []string
	sc := bufio.NewScanner(strings.NewReader(out))
	logLine := regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
	for sc.Scan() {
		if m := logLine.FindStringSubmatch(sc.Text()); m != nil {
			msgs = append(msgs, m[1])
		}
	}
	return strings.Join(msgs, "\n"), true
}

// mountLines returns the lines of /proc/self/mountinfo whose mount point is
// target, as grep reads them.
func mountLines(t *testing.T, target string) []string {
	t.Helper()
	out, err := exec.Command("grep", "-F", " "+target+" ", "/proc/self/mountinfo").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return nil // no such line
		}
		t.Fatalf("grep /proc/self/mountinfo: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == target {
			lines = append(lines, l)
		}
	}
	return lines
}

// mountSummary is "FSTYPE SOURCE MOUNT-OPTIONS SUPER-OPTIONS" of the one
// mount at target, "" when there is none.
func mountSummary(t *testing.T, target string) string {
	t.Helper()
	lines := mountLines(t, target)
	switch len(lines) {
	case 0:
		return ""
	case 1:
	default:
		t.Fatalf("%d mounts at %s:\n%s", len(lines), target, strings.Join(lines, "\n"))
	}
	f := strings.Fields(lines[0])
	sep := 6
	for f[sep] != "-" {
		sep++
	}
	return fmt.Sprintf("%s %s %s %s", f[sep+1], f[sep+2], f[5], f[sep+3])
}

// mustMount mounts for the test's own setup, undone at its end.
func mustMount(t *testing.T, source, target, fstype, data string) {
	t.Helper()
	if err := unix.Mount(source, target, fstype, 0, data); err != nil {
		t.Fatalf("mount %s on %s: %v", source, target, err)
	}
	t.Cleanup(func() { unix.Unmount(target, unix.MNT_DETACH) })
}

// mountDir is a temporary folder that is unmounted (lazily, whatever is
// there) before it is removed, so that a failed test cleans up too.
func mountDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		for unix.Unmount(dir, unix.MNT_DETACH) == nil {
		}
	})
	return dir
}
