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

// A plan edited to take a wall down does not start: without its user
// namespace's range (Verify), without a syscall filter or masks (the
// start), without a user namespace at all.
func TestEditedPlanRefused(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	edit := func(f func(op *ir.Op) bool) *ir.Plan {
		q := &ir.Plan{FormatVersion: p.FormatVersion, Host: p.Host, Source: p.Source, SourceDigest: p.SourceDigest}
		for _, op := range p.Ops {
			if f(op) {
				q.Add(op.Owner, op.Origin, op.Body, op.After...)
			}
		}
		return q
	}
	for _, c := range []struct {
		name string
		plan *ir.Plan
		want string
	}{
		{"no filter", edit(func(op *ir.Op) bool { _, ok := op.Body.(*ir.SeccompSet); return !ok }), "lacks seccomp.set"},
		{"no masks", edit(func(op *ir.Op) bool { _, ok := op.Body.(*ir.GuestMask); return !ok }), "lacks guest.mask"},
		{"no /dev", edit(func(op *ir.Op) bool { _, ok := op.Body.(*ir.GuestDev); return !ok }), "lacks guest.dev"},
		{"no socket hooks", edit(func(op *ir.Op) bool { _, ok := op.Body.(*ir.NetConfine); return !ok }), "lacks net.confine or veth.add"},
	} {
		if _, err := Start(c.plan, "web", s.options()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		s.assertGone("web", nil)
	}
	// The host's ids, or another guest's: Verify refuses the plan.
	for _, base := range []uint32{0, ir.IDBase(301)} {
		q := edit(func(*ir.Op) bool { return true })
		for _, op := range q.Ops {
			if ns, ok := op.Body.(*ir.NsNew); ok {
				c := *ns
				c.IDBase = base
				op.Body = &c
			}
		}
		if _, err := Start(q, "web", s.options()); err == nil || !strings.Contains(err.Error(), "id_base") {
			t.Errorf("id_base %d: %v, want it refused", base, err)
		}
	}
	// Without a user namespace.
	q := edit(func(*ir.Op) bool { return true })
	for _, op := range q.Ops {
		if ns, ok := op.Body.(*ir.NsNew); ok {
			c := *ns
			c.Kinds = []string{"mnt", "uts", "ipc", "pid"}
			op.Body = &c
		}
	}
	if _, err := Start(q, "web", s.options()); err == nil || !strings.Contains(err.Error(), "lacks user") {
		t.Errorf("no user namespace: %v, want it refused", err)
	}
	s.assertGone("web", nil)
}

// A hostile tree: the guest's own /proc, /sys and /dev made symbolic
// links that lead out of its root. Every mount stays inside the root.
func TestHostileRootLinks(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	root := filepath.Join(s.dir, "roots", "web")
	for name, target := range map[string]string{"proc": "../../../../../../../../", "sys": "/etc", "dev": "/tmp/../.."} {
		os.RemoveAll(filepath.Join(root, name))
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.ReadFile("/proc/self/mountinfo")
	_, err := Start(p, "web", s.options())
	after, _ := os.ReadFile("/proc/self/mountinfo")
	if err == nil || !strings.Contains(err.Error(), "is a symbolic link in the guest's root") {
		t.Errorf("a start on a tree whose /dev, /proc and /sys are links: %v, want it refused", err)
	}
	s.assertGone("web", nil)
	for _, l := range strings.Split(string(after), "\n") {
		if l != "" && !strings.Contains(string(before), l) && !otherTestsMount(l) {
			t.Errorf("a mount appeared on the host: %s", l)
		}
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Errorf("the host's /etc was covered: %v", err)
	}
}

// otherTestsMount reports whether a mountinfo line is one that tests
// running in parallel make: a named network namespace under /run/netns
// or anything under the temporary directory (loop images, state dirs).
// The links this test plants lead to /, /etc and /, never there.
func otherTestsMount(line string) bool {
	f := strings.Fields(line)
	if len(f) < 5 {
		return false
	}
	for _, dir := range []string{"/run/netns/", filepath.Clean(os.TempDir()) + "/"} {
		if strings.HasPrefix(f[4], dir) {
			return true
		}
	}
	return false
}
