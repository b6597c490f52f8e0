package guest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"vsc/executor/build"
	"vsc/ir"
)

// A root on a filesystem that cannot be idmapped (ramfs) does not start
// unmapped: the start fails and says to shift it; shifted, it starts, and
// its root sees its files as its own.
func TestRootNotIdmappable(t *testing.T) {
	s := newSandbox(t)
	mnt := filepath.Join(s.dir, "ramfs")
	os.MkdirAll(mnt, 0o755)
	if err := unix.Mount("ramfs", mnt, "ramfs", 0, "mode=755"); err != nil {
		t.Skipf("SKIP: cannot mount a ramfs for the test: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	root := filepath.Join(mnt, "web")
	s.newRoot("template-only") // makes the run's template
	if err := build.Build(&ir.GuestBuild{Guest: "web", Method: "template", Root: root, Archive: template.file}, build.Options{}); err != nil {
		t.Fatal(err)
	}
	p := s.compile(strings.Replace(webConfig, `root    = "ROOT_web"`, `root    = "`+root+`"`, 1))
	_, err := Start(p, "web", s.options())
	if err == nil || !strings.Contains(err.Error(), "(ramfs) cannot be idmapped") || !strings.Contains(err.Error(), "vsc build --shift") {
		t.Fatalf("start on ramfs: %v, want it refused, naming ramfs and vsc build --shift", err)
	}
	s.assertGone("web", nil)

	if _, err := build.Shift(root, ir.IDBase(300), nil); err != nil {
		t.Fatal(err)
	}
	r := s.start(p, "web", s.options())
	if got := strings.TrimSpace(s.execOK("web", "stat", "-c", "%u:%g", "/bin/busybox")); got != "0:0" {
		t.Errorf("inside, /bin/busybox is owned by %s, want 0:0", got)
	}
	s.execOK("web", "sh", "-c", "echo x > /written")
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(root, "written"), &st); err != nil || st.Uid != ir.IDBase(300) {
		t.Errorf("what the guest's root writes on a shifted root is owned by %d on disk (%v), want %d", st.Uid, err, ir.IDBase(300))
	}
	s.stop("web")
	s.assertGone("web", r)

	// A root of another context's range is refused.
	if err := os.Chown(root, int(ir.IDBase(301)), int(ir.IDBase(301))); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(p, "web", s.options()); err == nil || !strings.Contains(err.Error(), "owned by uid 19726336, neither 0") {
		t.Errorf("a root of another context: %v", err)
	}
	s.assertGone("web", nil)
}
