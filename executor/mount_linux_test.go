package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// The generic mount tests use tmpfs, which needs no image.
func TestMountTmpfsApplyChangeDestroy(t *testing.T) {
	inMountNS(t, func(t *testing.T) {
		target := mountDir(t)
		o := Options{StateDir: t.TempDir()}
		m := &ir.Mount{Source: "vsc-test", Target: target, Type: "tmpfs", Options: []string{"nosuid", "nodev", "size=1m", "mode=0750"}}
		p1 := testPlan(t, m)
		res, err := Apply(p1, o)
		if err != nil || counts(res) != (Result{Added: 1}) {
			t.Fatalf("first apply: %+v %v", res, err)
		}
		got := mountSummary(t, target)
		for _, want := range []string{"tmpfs vsc-test ", "nosuid", "nodev", "size=1024k", "mode=750"} {
			if !strings.Contains(got, want) {
				t.Errorf("after apply, mountinfo lacks %q: %s", want, got)
			}
		}

		// The kernel shows size=1m as size=1024k and mode=0750 as
		// mode=750: still the same mount.
		var out strings.Builder
		o.Out = &out
		res, err = Apply(p1, o)
		if err != nil || !res.Empty() || !strings.Contains(out.String(), "No changes.") {
			t.Fatalf("second apply: %+v %v\n%s", res, err, out.String())
		}

		// New options: unmounted and mounted again, not stacked.
		m2 := *m
		m2.Options = []string{"nosuid", "nodev", "noexec", "size=2m"}
		p2 := testPlan(t, &m2)
		out.Reset()
		res, err = Apply(p2, o)
		if err != nil || counts(res) != (Result{Changed: 1}) {
			t.Fatalf("change: %+v %v\n%s", res, err, out.String())
		}
		if !strings.Contains(out.String(), "~ mount") || !strings.Contains(out.String(), "(was mount") {
			t.Errorf("the review shows no change:\n%s", out.String())
		}
		got = mountSummary(t, target)
		if !strings.Contains(got, "noexec") || !strings.Contains(got, "size=2048k") {
			t.Errorf("after change: %s", got)
		}

		res, err = Destroy(p2, o)
		if err != nil || counts(res) != (Result{Removed: 1}) {
			t.Fatalf("destroy: %+v %v", res, err)
		}
		if got := mountSummary(t, target); got != "" {
			t.Fatalf("after destroy, still mounted: %s", got)
		}
	})
}

// A mount vsc did not make, at the target of one the plan wants and
// different, stops the run before anything changes; destroy leaves it.
func TestMountForeignInTheWay(t *testing.T) {
	inMountNS(t, func(t *testing.T) {
		other, target := mountDir(t), mountDir(t)
		mustMount(t, "foreign", target, "tmpfs", "size=1m")
		o := Options{StateDir: t.TempDir()}
		before := mountSummary(t, target)
		p := testPlan(t,
			&ir.Mount{Source: "vsc-test", Target: other, Type: "tmpfs"},
			&ir.Mount{Source: "vsc-test", Target: target, Type: "tmpfs"},
		)
		_, err := Apply(p, o)
		if err == nil || !strings.Contains(err.Error(), "in the way") {
			t.Fatalf("want an 'in the way' error, got %v", err)
		}
		if got := mountSummary(t, other); got != "" {
			t.Errorf("nothing may be mounted: %s", got)
		}
		if _, err := Destroy(p, o); err != nil {
			t.Fatal(err)
		}
		if got := mountSummary(t, target); got != before {
			t.Errorf("the foreign mount changed: %q, was %q", got, before)
		}
	})
}

// A regular file as source is attached to a loop device that goes when
// the filesystem is unmounted: nothing is left behind.
func TestMountImageFile(t *testing.T) {
	img := newImage(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		target := mountDir(t)
		o := Options{StateDir: t.TempDir()}
		p := testPlan(t, &ir.Mount{Source: img.file, Target: target, Type: "xfs", Options: []string{"noatime"}})
		if res, err := Apply(p, o); err != nil || counts(res) != (Result{Added: 1}) {
			t.Fatalf("apply: %+v %v", res, err)
		}
		got := mountSummary(t, target)
		if !strings.HasPrefix(got, "xfs /dev/loop") || !strings.Contains(got, "noatime") {
			t.Fatalf("after apply: %q", got)
		}
		loops := strings.TrimSpace(runCmd(t, "losetup", "--associated", img.file))
		if strings.Count(loops, "\n") != 0 || !strings.HasPrefix(got, "xfs "+strings.SplitN(loops, ":", 2)[0]+" ") {
			t.Fatalf("want one loop device on %s, the one mounted: %s", img.file, loops)
		}
		// Known again by its file, not its loop device.
		if res, err := Apply(p, o); err != nil || !res.Empty() {
			t.Fatalf("second apply: %+v %v", res, err)
		}
		if res, err := Destroy(p, o); err != nil || counts(res) != (Result{Removed: 1}) {
			t.Fatalf("destroy: %+v %v", res, err)
		}
		if got := mountSummary(t, target); got != "" {
			t.Fatalf("after destroy, still mounted: %s", got)
		}
		checkNoLoop(t, img.file)
	})
}

// XFS with prjquota on a kernel without XFS quotas: a clear error before
// anything is touched, for the mount and for the ops under it.
func TestMountPrjquotaWithoutKernelSupport(t *testing.T) {
	if err := quotaSupport("xfs"); err == nil {
		t.Skip("SKIP: the kernel has XFS quota support: TestQuotaApplyChangeDestroy covers prjquota mounts")
	}
	img := newLoop(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		target := mountDir(t)
		dir := filepath.Join(target, "web")
		p := testPlan(t,
			&ir.Mount{Source: img.dev, Target: target, Type: "xfs", Options: []string{"prjquota"}},
			&ir.ProjidSet{Path: dir, ID: 300, Recursive: true},
			&ir.QuotaSet{Path: dir, ID: 300, SpaceKiB: 1024, Inodes: 100, ReservedPct: 5},
		)
		_, err := Apply(p, Options{StateDir: t.TempDir()})
		if err == nil {
			t.Fatal("apply succeeded")
		}
		for _, want := range []string{
			"nothing was changed",
			"cannot add mount source=" + img.dev,
			"the kernel has no XFS quota support (CONFIG_XFS_QUOTA): xfs cannot be mounted with prjquota",
			"cannot add quota.set path=" + dir,
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error lacks %q:\n%v", want, err)
			}
		}
		if got := mountSummary(t, target); got != "" {
			t.Errorf("mounted: %s", got)
		}
	})
}

func TestMountPrecheck(t *testing.T) {
	img := newImage(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		dir := mountDir(t)
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			m    *ir.Mount
			want string
		}{
			{&ir.Mount{Source: img.file, Target: filepath.Join(dir, "none"), Type: "xfs"}, "the mount point " + dir + "/none does not exist"},
			{&ir.Mount{Source: img.file, Target: file, Type: "xfs"}, "the mount point " + file + " is not a folder"},
			{&ir.Mount{Source: "/dev/vsc-none", Target: dir, Type: "xfs"}, "the source /dev/vsc-none does not exist"},
			{&ir.Mount{Source: "/dev/null", Target: dir, Type: "xfs"}, "the source /dev/null is neither a block device nor a regular file"},
			{&ir.Mount{Source: "x", Target: dir, Type: "vscfs"}, "the kernel has no vscfs filesystem"},
			{&ir.Mount{Source: "UUID=1234", Target: dir, Type: "xfs"}, "the source UUID=1234 is not the path of a device or an image"},
			{&ir.Mount{Source: "x", Target: dir, Type: "tmpfs", Options: []string{"prjquota"}}, "vsc sets project quotas on xfs and ext4, not on tmpfs"},
		} {
			_, err := Apply(testPlan(t, c.m), Options{StateDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Errorf("%s: want %q, got %v", ir.BodyText(c.m), c.want, err)
			}
		}
		if got := mountSummary(t, dir); got != "" {
			t.Errorf("mounted: %s", got)
		}
	})
}

func TestParseMountinfo(t *testing.T) {
	data := "" +
		"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n" +
		"65 44 7:0 / /var/lib/vservers rw,relatime shared:5 master:2 - xfs /dev/loop0 rw,inode64,logbufs=8,logbsize=32k,prjquota\n" +
		`70 44 0:50 / /mnt/with\040space\134 rw - tmpfs my\011src rw,size=1024k,opt=a\054b` + "\n" +
		"71 44 0:51 / /x rw - tmpfs  \n"
	got, err := parseMountinfo([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := mountTable{
		{ID: 36, Parent: 35, Major: 98, Minor: 0, Root: "/mnt1", Point: "/mnt2", Options: []string{"rw", "noatime"},
			Optional: []string{"master:1"}, FSType: "ext3", Source: "/dev/root", SuperOptions: []string{"rw", "errors=continue"}},
		{ID: 65, Parent: 44, Major: 7, Minor: 0, Root: "/", Point: "/var/lib/vservers", Options: []string{"rw", "relatime"},
			Optional: []string{"shared:5", "master:2"}, FSType: "xfs", Source: "/dev/loop0",
			SuperOptions: []string{"rw", "inode64", "logbufs=8", "logbsize=32k", "prjquota"}},
		{ID: 70, Parent: 44, Major: 0, Minor: 50, Root: "/", Point: `/mnt/with space\`, Options: []string{"rw"},
			FSType: "tmpfs", Source: "my\tsrc", SuperOptions: []string{"rw", "size=1024k", "opt=a,b"}},
		{ID: 71, Parent: 44, Major: 0, Minor: 51, Root: "/", Point: "/x", Options: []string{"rw"}, FSType: "tmpfs"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"36 35 98:0 /mnt1 /mnt2 rw master:1 ext3 /dev/root rw", // no separator
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root",           // a field short
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw extra",  // one too many
		"x 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw",         // id
		"36 35 98 /mnt1 /mnt2 rw - ext3 /dev/root rw",          // device
	} {
		if _, err := parseMountinfo([]byte(bad + "\n")); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	// This process's own table parses.
	if _, err := readMountinfo(); err != nil {
		t.Error(err)
	}
}

// FuzzMountinfo: the parser never panics, and what it parses, written
// back in the kernel's format, parses to the same table.
func FuzzMountinfo(f *testing.F) {
	f.Add("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n")
	f.Add(`70 44 0:50 / /mnt/with\040space rw shared:1 - tmpfs my\011src rw,size=1024k,opt=a\054b` + "\n")
	f.Add("1 0 0:1 / / rw - rootfs rootfs rw\n2 1 0:2 / /proc rw,nosuid - proc proc rw\n")
	if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, data string) {
		table, err := parseMountinfo([]byte(data))
		if err != nil {
			return
		}
		again, err := parseMountinfo([]byte(formatMountinfo(table)))
		if err != nil {
			t.Fatalf("the table written back does not parse: %v\n%q", err, formatMountinfo(table))
		}
		if diff := cmp.Diff(table, again); diff != "" {
			t.Fatalf("written back and parsed again (-first +again):\n%s", diff)
		}
	})
}

// formatMountinfo writes a table as the kernel does.
func formatMountinfo(t mountTable) string {
	esc := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case ' ', '\t', '\n', '\\', ',':
				b.WriteString("\\" + string('0'+c>>6) + string('0'+c>>3&7) + string('0'+c&7))
			default:
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	opts := func(o []string) string {
		var parts []string
		for _, s := range o {
			parts = append(parts, esc(s))
		}
		return strings.Join(parts, ",")
	}
	var b strings.Builder
	for _, e := range t {
		b.WriteString(strings.Join([]string{
			strconv.Itoa(e.ID), strconv.Itoa(e.Parent), fmt.Sprintf("%d:%d", e.Major, e.Minor),
			esc(e.Root), esc(e.Point), opts(e.Options)}, " "))
		for _, o := range e.Optional {
			b.WriteString(" " + esc(o))
		}
		b.WriteString(" - " + esc(e.FSType) + " " + esc(e.Source) + " " + opts(e.SuperOptions) + "\n")
	}
	return b.String()
}

func TestOptionsHold(t *testing.T) {
	have := []string{"rw", "nosuid", "relatime", "rw", "inode64", "logbsize=32k", "prjquota", "size=1024k", "mode=755"}
	for _, c := range []struct {
		want []string
		hold bool
	}{
		{nil, true},
		{[]string{"defaults", "nofail", "x-systemd.automount", "loop"}, true},
		{[]string{"prjquota"}, true},
		{[]string{"pquota"}, true},
		{[]string{"usrquota"}, false},
		{[]string{"nosuid", "rw", "dev", "exec"}, true},
		{[]string{"ro"}, false},
		{[]string{"nodev"}, false},
		{[]string{"suid"}, false},
		{[]string{"relatime"}, true},
		{[]string{"strictatime"}, false},
		{[]string{"noatime"}, false},
		{[]string{"size=1m", "mode=0755", "logbsize=32768"}, true},
		{[]string{"size=2m"}, false},
		{[]string{"inode32"}, false},
	} {
		if got := optionsHold(c.want, have); got != c.hold {
			t.Errorf("optionsHold(%q) = %v, want %v", c.want, got, c.hold)
		}
	}
}

func TestMountArgs(t *testing.T) {
	flags, data := mountArgs([]string{"defaults", "ro", "nosuid", "noatime", "prjquota", "exec", "logbsize=32k", "x-vsc"})
	if want := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NOATIME); flags != want {
		t.Errorf("flags %#x, want %#x", flags, want)
	}
	if data != "prjquota,logbsize=32k" {
		t.Errorf("data %q", data)
	}
}
