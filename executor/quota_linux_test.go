package executor

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"vsc/internal/kfeature"
	"vsc/ir"
)

// quotaState reads the quota state of the filesystem holding dir.
func quotaState(dir string) (fsQuotaStatv, error) {
	st := fsQuotaStatv{Version: fsQstatvVersion1}
	return st, quotactl(dir, qXGetQStatV, 0, unsafe.Pointer(&st))
}

// On a kernel without XFS quotas, quota.set stops the run before anything
// is touched, the project ids of the op before it included, and says
// which feature is missing.
func TestDiskLimitWithoutKernelQuotas(t *testing.T) {
	if quotaSupport("xfs") == nil {
		t.Skip("SKIP: the kernel has XFS quota support: TestQuotaApplyChangeDestroy covers quota.set")
	}
	img := newLoop(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		needTool(t, "lsattr")
		mnt := mountDir(t)
		mustMount(t, img.dev, mnt, "xfs", "")
		if _, err := quotaState(mnt); !errors.Is(err, unix.ENOSYS) {
			t.Fatalf("quotactl on XFS without quota support: want ENOSYS, got %v", err)
		}
		web := mnt + "/web"
		if err := os.Mkdir(web, 0o755); err != nil {
			t.Fatal(err)
		}
		p := testPlan(t,
			&ir.ProjidSet{Path: web, ID: 300, Recursive: true},
			&ir.QuotaSet{Path: web, ID: 300, SpaceKiB: 1024, Inodes: 100, ReservedPct: 5},
		)
		_, err := Apply(p, Options{StateDir: t.TempDir()})
		if err == nil {
			t.Fatal("apply succeeded")
		}
		t.Logf("the error, as vsc says it:\n%v", err)
		for _, want := range []string{
			"nothing was changed",
			"cannot add quota.set path=" + web + " projid=300",
			"the kernel has no XFS quota support (CONFIG_XFS_QUOTA); quotactl on " + img.dev + " answers ENOSYS",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error lacks %q:\n%v", want, err)
			}
		}
		if diff := cmp.Diff(map[string]string{".": "0"}, projids(t, web)); diff != "" {
			t.Errorf("the project ids changed (-want +got):\n%s", diff)
		}
	})
}

// ext4 mounted without prjquota: the run stops and says how to mount it,
// or, on a kernel without ext4 quotas, which feature is missing.
func TestQuotaPrecheckExt4(t *testing.T) {
	img := newLoop(t, "ext4", 64, "-q", "-F")
	inMountNS(t, func(t *testing.T) {
		mnt := mountDir(t)
		mustMount(t, img.dev, mnt, "ext4", "")
		p := testPlan(t, &ir.QuotaSet{Path: mnt, ID: 300, SpaceKiB: 1024, ReservedPct: 5})
		_, err := Apply(p, Options{StateDir: t.TempDir()})
		want := "project quotas are not enabled on " + img.dev + " (mounted on " + mnt + "): mount it with prjquota (a remount cannot add it)"
		if why := quotaSupport("ext4"); why != nil {
			want = why.Error() + "; quotactl on " + img.dev + " answers ENOSYS"
		}
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("want %q, got %v", want, err)
		}
		t.Logf("the error, as vsc says it:\n%v", err)
	})
}

func TestQuotaStateError(t *testing.T) {
	mnt := &mountEntry{FSType: "xfs", Source: "/dev/vg/x", Point: "/var/lib/vservers"}
	has := func(string) error { return nil }
	lacks := func(string) error { return errors.New("the kernel has no XFS quota support (CONFIG_XFS_QUOTA)") }
	notEnabled := "project quotas are not enabled on /dev/vg/x (mounted on /var/lib/vservers): mount it with prjquota (a remount cannot add it)"
	for _, c := range []struct {
		flags   uint16
		err     error
		support func(string) error
		want    string
	}{
		{fsQuotaPdqAcct | fsQuotaPdqEnfd, nil, has, ""},
		{fsQuotaPdqAcct | fsQuotaPdqEnfd | 1, nil, has, ""},
		{0, unix.ENOSYS, lacks, "the kernel has no XFS quota support (CONFIG_XFS_QUOTA); quotactl on /dev/vg/x answers ENOSYS"},
		{0, unix.ENOSYS, has, notEnabled}, // no quota enabled at all
		{1 | 2, nil, has, notEnabled},     // user quotas only
		{fsQuotaPdqAcct, nil, has, notEnabled},
		{0, unix.EPERM, has, "cannot read the quota state of /dev/vg/x (quotactl Q_XGETQSTATV): operation not permitted"},
	} {
		err := quotaStateError(mnt, c.flags, c.err, c.support)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("flags %#x, %v: got %q, want %q", c.flags, c.err, got, c.want)
		}
	}
}

// Where the kernel has XFS quotas: mount with prjquota, tag the tree and
// limit its project, as the compiler's plan for a disk limit does; read
// back with xfs_quota.
func TestQuotaApplyChangeDestroy(t *testing.T) {
	kfeature.Need(t, "XFS quota", quotaSupport("xfs"))
	needTool(t, "xfs_quota")
	img := newLoop(t, "xfs", 300, "-q")
	inMountNS(t, func(t *testing.T) {
		target := mountDir(t)
		mustMount(t, img.dev, target, "xfs", "")
		web := target + "/web"
		if err := os.Mkdir(web, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Unmount(target, 0); err != nil {
			t.Fatal(err)
		}
		limits := func() string {
			t.Helper()
			out, _ := output("xfs_quota", "-x", "-c", "report -p -b -i -N -n", target)
			m := regexp.MustCompile(`(?m)^#300\s+\d+\s+(\d+)\s+(\d+)\s+\S+\s+\[[^\]]*\]\s+\d+\s+(\d+)\s+(\d+)`).FindStringSubmatch(out)
			if m == nil {
				return ""
			}
			return strings.Join(m[1:], " ")
		}
		o := Options{StateDir: t.TempDir()}
		mount := &ir.Mount{Source: img.dev, Target: target, Type: "xfs", Options: []string{"prjquota"}}
		tag := &ir.ProjidSet{Path: web, ID: 300, Recursive: true}
		p1 := testPlan(t, mount, tag, &ir.QuotaSet{Path: web, ID: 300, SpaceKiB: 1001, Inodes: 100, ReservedPct: 10})
		if res, err := Apply(p1, o); err != nil || counts(res) != (Result{Added: 3}) {
			t.Fatalf("apply: %+v %v", res, err)
		}
		if got := mountSummary(t, target); !strings.Contains(got, "prjquota") {
			t.Errorf("mounted without prjquota: %s", got)
		}
		// 1001 KiB is 2002 blocks of 512 bytes, rounded up by XFS to its
		// 4 KiB blocks: 1004 KiB; the soft limit 90% of that, 904 KiB.
		if got, want := limits(), "904 1004 90 100"; got != want {
			t.Errorf("limits (block soft, hard, inode soft, hard): %q, want %q", got, want)
		}
		// The rounding is not a change.
		if res, err := Apply(p1, o); err != nil || !res.Empty() {
			t.Fatalf("second apply: %+v %v", res, err)
		}

		p2 := testPlan(t, mount, tag, &ir.QuotaSet{Path: web, ID: 300, SpaceKiB: 2048, Inodes: 200})
		if res, err := Apply(p2, o); err != nil || counts(res) != (Result{Changed: 1}) {
			t.Fatalf("change: %+v %v", res, err)
		}
		if got, want := limits(), "2048 2048 200 200"; got != want {
			t.Errorf("after change: %q, want %q", got, want)
		}

		if res, err := Destroy(p2, o); err != nil || counts(res) != (Result{Removed: 3}) {
			t.Fatalf("destroy: %+v %v", res, err)
		}
		if got := mountSummary(t, target); got != "" {
			t.Errorf("after destroy, still mounted: %s", got)
		}
	})
}

func TestQuotaLimits(t *testing.T) {
	for _, c := range []struct {
		hard uint64
		pct  int
		soft uint64
	}{
		{1000, 0, 1000}, {1000, 5, 950}, {1000, 100, 0}, {2002, 10, 1801}, {99, 50, 49},
		{^uint64(0), 1, ^uint64(0)/100*99 + 14}, {1000, -1, 0}, {1000, 101, 0},
	} {
		if got := softLimit(c.hard, c.pct); got != c.soft {
			t.Errorf("softLimit(%d, %d) = %d, want %d", c.hard, c.pct, got, c.soft)
		}
	}

	q := &ir.QuotaSet{Path: "/v/web", ID: 300, SpaceKiB: 1001, Inodes: 100, ReservedPct: 10}
	exact := &fsDiskQuota{BlkHardlimit: 2002, BlkSoftlimit: 1801, InoHardlimit: 100, InoSoftlimit: 90}
	xfs := &fsDiskQuota{BlkHardlimit: 2008, BlkSoftlimit: 1808, InoHardlimit: 100, InoSoftlimit: 90}
	other := &fsDiskQuota{BlkHardlimit: 2016, BlkSoftlimit: 1808, InoHardlimit: 100, InoSoftlimit: 90}
	if !limitsMatch(q, exact, 4096) || !limitsMatch(q, xfs, 4096) || limitsMatch(q, xfs, 1024) || limitsMatch(q, other, 4096) {
		t.Error("limitsMatch: want exact or rounded up to the block, nothing else")
	}
	if got := quotaOf(q.Path, q.ID, exact); *got != *q {
		t.Errorf("quotaOf: %+v, want %+v", got, q)
	}
	if got := quotaOf(q.Path, q.ID, &fsDiskQuota{BlkHardlimit: 2000, BlkSoftlimit: 7}); got.ReservedPct != -1 || got.SpaceKiB != 1000 {
		t.Errorf("quotaOf a soft limit no percentage gives: %+v", got)
	}
}
