package executor

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindQuotaSet, quotaHandler{}) }

// quotaHandler applies quota.set: `vdlimit --xid ID --set space_total=…
// PATH`, the limits of project ID on the filesystem holding PATH, through
// quotactl(Q_XSETQLIM, PRJQUOTA). A project's limits are one kernel
// object per filesystem and id, hence the key; they carry no mark, and
// vsc knows its own by its record. Limits of zero are no limits: the
// object is absent.
type quotaHandler struct{}

func (quotaHandler) key(b ir.Body) string {
	q := b.(*ir.QuotaSet)
	return fmt.Sprintf("quota:%s:%d", q.Path, q.ID)
}

func (quotaHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	cands := map[string][]*ir.QuotaSet{}
	var keys []string
	for _, b := range bodies {
		k := (quotaHandler{}).key(b)
		if _, ok := cands[k]; !ok {
			keys = append(keys, k)
		}
		cands[k] = append(cands[k], b.(*ir.QuotaSet))
	}
	out := map[string]live{}
	for _, k := range keys {
		q := cands[k][0]
		var d fsDiskQuota
		err := quotactl(q.Path, qXGetQuota, q.ID, unsafe.Pointer(&d))
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ESRCH):
			// No folder, no quota support, quotas off or no limits yet:
			// nothing there (the precheck says why, if it matters).
			continue
		case err != nil:
			return nil, fmt.Errorf("quotactl Q_XGETQUOTA of project %d at %s: %w", q.ID, q.Path, err)
		}
		if d.BlkHardlimit|d.BlkSoftlimit|d.InoHardlimit|d.InoSoftlimit == 0 {
			continue
		}
		var sfs unix.Statfs_t
		if err := unix.Statfs(q.Path, &sfs); err != nil {
			return nil, fmt.Errorf("statfs %s: %w", q.Path, err)
		}
		// The filesystem rounds limits up to its block: a live limit
		// that an op would have made is shown as that op.
		got := quotaOf(q.Path, q.ID, &d)
		for _, c := range cands[k] {
			if limitsMatch(c, &d, uint64(sfs.Bsize)) {
				cp := *c
				got = &cp
				break
			}
		}
		out[k] = live{body: got}
	}
	return out, nil
}

func (quotaHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.QuotaSet), got.(*ir.QuotaSet)
	return *w == *g
}

func (quotaHandler) precheck(h *Host, b ir.Body, w *world) error {
	q := b.(*ir.QuotaSet)
	if m := pendingMountOf(w, q.Path); m != nil {
		if err := quotaSupport(m.Type); err != nil {
			return err
		}
		if o := quotaOption(m.Options); o == "" || o == "pqnoenforce" {
			return fmt.Errorf("project quotas will not be enforced on %s: this run mounts it on %s without prjquota (add it to the filesystem's options)", m.Source, m.Target)
		}
		return nil
	}
	if _, err := os.Stat(q.Path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the folder %s does not exist", q.Path)
		}
		return err
	}
	table, err := readMountinfo()
	if err != nil {
		return err
	}
	mnt, err := table.holding(q.Path)
	if err != nil {
		return err
	}
	st := fsQuotaStatv{Version: fsQstatvVersion1}
	err = quotactl(q.Path, qXGetQStatV, 0, unsafe.Pointer(&st))
	return quotaStateError(mnt, st.Flags, err, quotaSupport)
}

// quotaStateError says why project limits cannot be set on a mounted
// filesystem, from its quota state (Q_XGETQSTATV's flags or error); nil
// when project quotas are accounted and enforced there. The kernel
// answers ENOSYS both when it has no quota support for the filesystem
// and when no quota at all is enabled on it: its features (support)
// tell which.
func quotaStateError(mnt *mountEntry, flags uint16, err error, support func(fstype string) error) error {
	if errors.Is(err, unix.ENOSYS) {
		if why := support(mnt.FSType); why != nil {
			return fmt.Errorf("%v; quotactl on %s answers ENOSYS", why, mnt.Source)
		}
		flags, err = 0, nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the quota state of %s (quotactl Q_XGETQSTATV): %w", mnt.Source, err)
	}
	if flags&fsQuotaPdqAcct == 0 || flags&fsQuotaPdqEnfd == 0 {
		return fmt.Errorf("project quotas are not enabled on %s (mounted on %s): mount it with prjquota (a remount cannot add it)", mnt.Source, mnt.Point)
	}
	return nil
}

func (quotaHandler) create(h *Host, b ir.Body) error {
	q := b.(*ir.QuotaSet)
	bh, bs, ih, is := limitsOf(q)
	return setLimits(q, bh, bs, ih, is)
}

func (quotaHandler) remove(h *Host, b ir.Body) error {
	return setLimits(b.(*ir.QuotaSet), 0, 0, 0, 0)
}

func setLimits(q *ir.QuotaSet, bh, bs, ih, is uint64) error {
	d := fsDiskQuota{
		Version: fsDquotVersion, Flags: fsProjQuota, ID: q.ID,
		Fieldmask:    fsDqBhard | fsDqBsoft | fsDqIhard | fsDqIsoft,
		BlkHardlimit: bh, BlkSoftlimit: bs, InoHardlimit: ih, InoSoftlimit: is,
	}
	if err := quotactl(q.Path, qXSetQLim, q.ID, unsafe.Pointer(&d)); err != nil {
		return fmt.Errorf("quotactl Q_XSETQLIM of project %d at %s: %w", q.ID, q.Path, err)
	}
	return nil
}

// limitsOf returns the limits an op sets: blocks of 512 bytes, inodes;
// the reserved part is the soft limit below the hard one.
func limitsOf(q *ir.QuotaSet) (bh, bs, ih, is uint64) {
	bh, ih = q.SpaceKiB*2, q.Inodes
	return bh, softLimit(bh, q.ReservedPct), ih, softLimit(ih, q.ReservedPct)
}

// softLimit is hard less reserved percent, rounded down; none (0) for a
// percentage out of range, which no plan has.
func softLimit(hard uint64, reservedPct int) uint64 {
	if reservedPct < 0 || reservedPct > 100 {
		return 0
	}
	keep := uint64(100 - reservedPct)
	return hard/100*keep + hard%100*keep/100 // hard*keep/100 without overflow
}

// limitsMatch tells whether live limits are what the op sets, exactly
// or rounded up to the filesystem's block (XFS keeps limits in blocks).
func limitsMatch(q *ir.QuotaSet, d *fsDiskQuota, blockSize uint64) bool {
	bh, bs, ih, is := limitsOf(q)
	bb := blockSize / 512
	if bb == 0 {
		bb = 1
	}
	blocks := func(got, want uint64) bool { return got == want || got == (want+bb-1)/bb*bb }
	return blocks(d.BlkHardlimit, bh) && blocks(d.BlkSoftlimit, bs) && d.InoHardlimit == ih && d.InoSoftlimit == is
}

// quotaOf is live limits in the form of the op that would make them; a
// soft limit no percentage gives shows as reserved_pct=-1.
func quotaOf(path string, id uint32, d *fsDiskQuota) *ir.QuotaSet {
	q := &ir.QuotaSet{Path: path, ID: id, SpaceKiB: (d.BlkHardlimit + 1) / 2, Inodes: d.InoHardlimit, ReservedPct: -1}
	for pct := 0; pct <= 100; pct++ {
		if softLimit(d.BlkHardlimit, pct) == d.BlkSoftlimit && softLimit(d.InoHardlimit, pct) == d.InoSoftlimit {
			q.ReservedPct = pct
			break
		}
	}
	return q
}

// The quotactl(2) interface of <linux/quota.h> and <linux/dqblk_xfs.h>,
// which x/sys/unix does not wrap.

const (
	prjQuota = 2 // PRJQUOTA

	qXGetQuota  = 'X'<<8 + 3 // Q_XGETQUOTA
	qXSetQLim   = 'X'<<8 + 4 // Q_XSETQLIM
	qXGetQStatV = 'X'<<8 + 8 // Q_XGETQSTATV

	fsDquotVersion   = 1 // FS_DQUOT_VERSION
	fsQstatvVersion1 = 1 // FS_QSTATV_VERSION1
	fsProjQuota      = 2 // FS_PROJ_QUOTA

	fsDqIsoft = 1 << 0 // FS_DQ_ISOFT
	fsDqIhard = 1 << 1 // FS_DQ_IHARD
	fsDqBsoft = 1 << 2 // FS_DQ_BSOFT
	fsDqBhard = 1 << 3 // FS_DQ_BHARD

	fsQuotaPdqAcct = 1 << 4 // FS_QUOTA_PDQ_ACCT
	fsQuotaPdqEnfd = 1 << 5 // FS_QUOTA_PDQ_ENFD
)

// fsDiskQuota is struct fs_disk_quota; block counts are of 512 bytes.
type fsDiskQuota struct {
	Version      int8
	Flags        int8
	Fieldmask    uint16
	ID           uint32
	BlkHardlimit uint64
	BlkSoftlimit uint64
	InoHardlimit uint64
	InoSoftlimit uint64
	Bcount       uint64
	Icount       uint64
	Itimer       int32
	Btimer       int32
	Iwarns       uint16
	Bwarns       uint16
	ItimerHi     int8
	BtimerHi     int8
	RtbtimerHi   int8
	_            int8
	RtbHardlimit uint64
	RtbSoftlimit uint64
	Rtbcount     uint64
	Rtbtimer     int32
	Rtbwarns     uint16
	_            int16
	_            [8]byte
}

// fsQuotaStatv is struct fs_quota_statv.
type fsQuotaStatv struct {
	Version      int8
	_            uint8
	Flags        uint16
	Incoredqs    uint32
	Uquota       fsQfilestatv
	Gquota       fsQfilestatv
	Pquota       fsQfilestatv
	Btimelimit   int32
	Itimelimit   int32
	Rtbtimelimit int32
	Bwarnlimit   uint16
	Iwarnlimit   uint16
	Rtbwarnlimit uint16
	_            uint16
	_            uint32
	_            [7]uint64
}

type fsQfilestatv struct {
	Ino      uint64
	Nblks    uint64
	Nextents uint32
	_        uint32
}

// The kernel's sizes: a mismatch fails the build.
var (
	_ [112]byte = [unsafe.Sizeof(fsDiskQuota{})]byte{}
	_ [160]byte = [unsafe.Sizeof(fsQuotaStatv{})]byte{}
)

// quotactl runs one project-quota command on the filesystem holding dir.
// It is quotactl_fd(2) (Linux 5.14): it needs no device path, which the
// mount table may not give in a form this process can open (/dev/root, a
// device-mapper alias, a device of another namespace).
func quotactl(dir string, cmd int, id uint32, addr unsafe.Pointer) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	_, _, errno := unix.Syscall6(unix.SYS_QUOTACTL_FD, uintptr(fd), uintptr(cmd<<8|prjQuota), uintptr(id), uintptr(addr), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// quotaSupport says which kernel feature is missing for project quotas on
// a filesystem type, or nil when none is known to be. It reads the
// kernel's traces of its build (/proc/fs/xfs/xqm, /proc/sys/fs/quota) and
// its configuration where the kernel publishes it.
func quotaSupport(fstype string) error {
	// quotactl(2) with no device answers ENODEV when the call exists.
	if _, _, errno := unix.Syscall6(unix.SYS_QUOTACTL, uintptr(qXGetQStatV<<8|prjQuota), 0, 0, 0, 0, 0); errno == unix.ENOSYS {
		return errors.New("the kernel has no quota support (quotactl: ENOSYS; CONFIG_QUOTACTL)")
	}
	if _, _, errno := unix.Syscall6(unix.SYS_QUOTACTL_FD, ^uintptr(0), 0, 0, 0, 0, 0); errno == unix.ENOSYS {
		return errors.New("the kernel has no quotactl_fd(2) (Linux 5.14 or later)")
	}
	switch fstype {
	case "xfs":
		missing := false
		if _, err := os.Stat("/proc/fs/xfs"); err == nil {
			_, err := os.Stat("/proc/fs/xfs/xqm")
			missing = err != nil
		} else if on, known := kernelConfig("CONFIG_XFS_QUOTA"); known {
			missing = !on
		}
		if missing {
			return errors.New("the kernel has no XFS quota support (CONFIG_XFS_QUOTA)")
		}
	case "ext4", "ext3", "ext2":
		if _, err := os.Stat("/proc/sys/fs/quota"); err != nil {
			return errors.New("the kernel has no ext4 quota support (CONFIG_QUOTA)")
		}
		if on, known := kernelConfig("CONFIG_QFMT_V2"); known && !on {
			return errors.New("the kernel has no ext4 quota support (CONFIG_QFMT_V2, the format of ext4's quota files)")
		}
	default:
		return fmt.Errorf("vsc sets project quotas on xfs and ext4, not on %s", fstype)
	}
	return nil
}

var kernelConfigOnce = sync.OnceValue(readKernelConfig)

// kernelConfig tells whether the running kernel was built with a config
// symbol (=y or =m), when its configuration is published
// (/proc/config.gz, /boot/config-RELEASE).
func kernelConfig(sym string) (on, known bool) {
	cfg := kernelConfigOnce()
	if cfg == nil {
		return false, false
	}
	v := cfg[sym]
	return v == "y" || v == "m", true
}

func readKernelConfig() map[string]string {
	var r io.Reader
	if f, err := os.Open("/proc/config.gz"); err == nil {
		defer f.Close()
		if z, err := gzip.NewReader(f); err == nil {
			r = z
		}
	}
	if r == nil {
		var u unix.Utsname
		if unix.Uname(&u) != nil {
			return nil
		}
		f, err := os.Open(filepath.Join("/boot", "config-"+unix.ByteSliceToString(u.Release[:])))
		if err != nil {
			return nil
		}
		defer f.Close()
		r = f
	}
	cfg := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "CONFIG_") {
			cfg[k] = v
		}
	}
	if sc.Err() != nil {
		return nil
	}
	return cfg
}
