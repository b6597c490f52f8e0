package executor

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// projids reads the project id of every folder and regular file of a
// tree, as lsattr -p reads them: "ID", with " P" when the inherit flag is
// set, by path relative to dir ("." for dir itself). lsattr cannot read
// symbolic links, device nodes and FIFOs: they are not listed.
func projids(t *testing.T, dir string) map[string]string {
	t.Helper()
	line := regexp.MustCompile(`^\s*(\d+)\s+(\S+)\s+(.+)$`)
	out := map[string]string{}
	for _, args := range [][]string{{"-p", "-d", dir}, {"-p", "-a", "-R", dir}} {
		// lsattr complains about what it cannot read, and exits 0 or 1.
		data, _ := output("lsattr", args...)
		for _, l := range strings.Split(data, "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil || strings.HasSuffix(m[3], "/.") || strings.HasSuffix(m[3], "/..") {
				continue
			}
			rel, err := filepath.Rel(dir, m[3])
			if err != nil {
				t.Fatal(err)
			}
			v := m[1]
			if strings.Contains(m[2], "P") {
				v += " P"
			}
			out[rel] = v
		}
	}
	return out
}

// makeTree makes a guest-like tree at dir: folders, files, a FIFO, a
// device node, and links out of the tree to outside.
func makeTree(t *testing.T, dir, outside string) {
	t.Helper()
	for _, d := range []string{dir + "/etc/init.d", dir + "/var/log", outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{dir + "/etc/hostname", dir + "/etc/init.d/rc", dir + "/var/log/messages", outside + "/secret"} {
		if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside+"/secret", dir+"/etc/link"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, dir+"/var/linkdir"); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(dir+"/var/fifo", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(dir+"/var/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
}

func treeIDs(id string) map[string]string {
	return map[string]string{
		".": id + " P", "etc": id + " P", "etc/init.d": id + " P", "var": id + " P", "var/log": id + " P",
		"etc/hostname": id, "etc/init.d/rc": id, "var/log/messages": id,
	}
}

func TestProjidApplyChangeDestroy(t *testing.T) {
	img := newLoop(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		needTool(t, "lsattr")
		mnt := mountDir(t)
		mustMount(t, img.dev, mnt, "xfs", "")
		web, outside := filepath.Join(mnt, "web"), filepath.Join(mnt, "outside")
		makeTree(t, web, outside)
		// Another filesystem mounted in the tree has ids of its own.
		if err := os.Mkdir(web+"/tmp", 0o755); err != nil {
			t.Fatal(err)
		}
		mustMount(t, "vsc-test", web+"/tmp", "tmpfs", "")
		untouched := projids(t, outside)
		if diff := cmp.Diff(map[string]string{".": "0", "secret": "0"}, untouched); diff != "" {
			t.Fatalf("outside, before (-want +got):\n%s", diff)
		}
		ids := func() map[string]string {
			got := projids(t, web)
			if v, ok := got["tmp"]; ok && v != "0" {
				t.Errorf("the tmpfs mounted in the tree has project %s", v)
			}
			delete(got, "tmp")
			return got
		}

		o := Options{StateDir: t.TempDir()}
		p := testPlan(t, &ir.ProjidSet{Path: web, ID: 300, Recursive: true})
		if res, err := Apply(p, o); err != nil || counts(res) != (Result{Added: 1}) {
			t.Fatalf("apply: %+v %v", res, err)
		}
		if diff := cmp.Diff(treeIDs("300"), ids()); diff != "" {
			t.Fatalf("after apply (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(untouched, projids(t, outside)); diff != "" {
			t.Fatalf("the links' targets outside the tree changed (-before +after):\n%s", diff)
		}

		// What is created later inherits the id.
		if err := os.WriteFile(web+"/var/log/new", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(web+"/var/newdir", 0o755); err != nil {
			t.Fatal(err)
		}
		want := treeIDs("300")
		want["var/log/new"], want["var/newdir"] = "300", "300 P"
		if diff := cmp.Diff(want, ids()); diff != "" {
			t.Fatalf("files created after (-want +got):\n%s", diff)
		}

		if res, err := Apply(p, o); err != nil || !res.Empty() {
			t.Fatalf("second apply: %+v %v", res, err)
		}

		p301 := testPlan(t, &ir.ProjidSet{Path: web, ID: 301, Recursive: true})
		if res, err := Apply(p301, o); err != nil || counts(res) != (Result{Changed: 1}) {
			t.Fatalf("change: %+v %v", res, err)
		}
		want = treeIDs("301")
		want["var/log/new"], want["var/newdir"] = "301", "301 P"
		if diff := cmp.Diff(want, ids()); diff != "" {
			t.Fatalf("after change (-want +got):\n%s", diff)
		}

		if res, err := Destroy(p301, o); err != nil || counts(res) != (Result{Removed: 1}) {
			t.Fatalf("destroy: %+v %v", res, err)
		}
		for k := range want {
			want[k] = "0"
		}
		if diff := cmp.Diff(want, ids()); diff != "" {
			t.Fatalf("after destroy (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(untouched, projids(t, outside)); diff != "" {
			t.Fatalf("outside the tree (-before +after):\n%s", diff)
		}
	})
}

func TestProjidPrecheck(t *testing.T) {
	inMountNS(t, func(t *testing.T) {
		dir := mountDir(t)
		mustMount(t, "vsc-test", dir, "tmpfs", "")
		if err := os.Mkdir(dir+"/web", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/file", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(dir+"/web", dir+"/link"); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{
			dir + "/none": "the folder " + dir + "/none does not exist",
			dir + "/file": dir + "/file is not a folder",
			dir + "/link": dir + "/link is a symbolic link: name the folder itself",
			dir + "/web":  "the filesystem at " + dir + "/web has no project ids (use XFS or ext4 with the project feature)",
		} {
			_, err := Apply(testPlan(t, &ir.ProjidSet{Path: path, ID: 300, Recursive: true}), Options{StateDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Errorf("%s: want %q, got %v", path, want, err)
			}
		}
	})
}

// Fault injection at every step of plans of a mount and the project ids
// of a tree on it: first apply, change, destroy. After each failure the
// host is as it was before the run.
func TestMountProjidFaultAtEveryStep(t *testing.T) {
	img := newLoop(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		needTool(t, "lsattr")
		target, probe := mountDir(t), mountDir(t)
		mustMount(t, img.dev, probe, "xfs", "")
		makeTree(t, probe+"/web", probe+"/outside")
		// The state: the mount at target, and the tree's ids as read
		// through a mount of the same filesystem elsewhere.
		state := func() string {
			t.Helper()
			ids := projids(t, probe+"/web")
			var lines []string
			for k, v := range ids {
				lines = append(lines, k+" "+v)
			}
			sort.Strings(lines)
			return "mount: " + mountSummary(t, target) + "\n" + strings.Join(lines, "\n")
		}
		web := filepath.Join(target, "web")
		o := Options{StateDir: t.TempDir()}
		fail := func(p *ir.Plan, steps int, run func(*ir.Plan, Options) (Result, error)) {
			t.Helper()
			before := state()
			for k := range steps {
				o := o
				o.FailAt = &k
				_, err := run(p, o)
				if err == nil || !strings.Contains(err.Error(), "injected") || !strings.Contains(err.Error(), "The host is as it was before this run.") {
					t.Fatalf("step %d: want the injected failure, rolled back; got %v", k, err)
				}
				if diff := cmp.Diff(before, state()); diff != "" {
					t.Fatalf("failure at step %d left the host changed (-before +after):\n%s", k, diff)
				}
			}
			// One more step fails nothing: the count of steps is right.
			k := steps
			o.FailAt = &k
			if _, err := run(p, o); err != nil {
				t.Fatalf("with no failure: %v", err)
			}
			if state() == before {
				t.Fatal("the run changed nothing")
			}
		}

		initial := state()
		p1 := testPlan(t,
			&ir.Mount{Source: img.dev, Target: target, Type: "xfs"},
			&ir.ProjidSet{Path: web, ID: 300, Recursive: true},
		)
		fail(p1, 2, Apply) // mount, tag
		if !strings.Contains(state(), "etc/init.d/rc 300") {
			t.Fatalf("after apply:\n%s", state())
		}

		p2 := testPlan(t,
			&ir.Mount{Source: img.dev, Target: target, Type: "xfs", Options: []string{"noatime"}},
			&ir.ProjidSet{Path: web, ID: 301, Recursive: true},
		)
		fail(p2, 4, Apply) // unmount, mount, untag, tag
		if s := state(); !strings.Contains(s, "noatime") || !strings.Contains(s, "etc/init.d/rc 301") {
			t.Fatalf("after change:\n%s", s)
		}

		fail(p2, 2, Destroy) // untag, unmount
		if diff := cmp.Diff(initial, state()); diff != "" {
			t.Fatalf("after destroy (-initial +now):\n%s", diff)
		}
	})
}

func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("SKIP: needs %s (%v)", tool, err)
	}
}

// output runs a reader and returns its standard output, whatever its exit.
func output(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
