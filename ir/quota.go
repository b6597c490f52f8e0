package ir

// KindQuotaSet sets the disk limits of a project id.
const KindQuotaSet Kind = "quota.set"

// QuotaSet limits the space and inodes used by a project id on the
// filesystem holding Path, as util-vserver's dlimits did. The reserved
// part becomes the soft limit, that much below the hard one.
//
//	vdlimit --xid 300 --set space_total=1048576 --set inodes_total=100000 --set reserved=5 /var/lib/vservers/x
//	(quotactl Q_XSETQLIM on PRJQUOTA)
type QuotaSet struct {
	Path        string `ir:"path"`                   // absolute, clean, on the limited filesystem
	ID          uint32 `ir:"projid"`                 // 2..49151, the guest's context
	SpaceKiB    uint64 `ir:"space_kib,omitempty"`    // hard limit in KiB, 0 = none
	Inodes      uint64 `ir:"inodes,omitempty"`       // hard limit, 0 = none
	ReservedPct int    `ir:"reserved_pct,omitempty"` // 0..100
}

func (*QuotaSet) Kind() Kind { return KindQuotaSet }

func (b *QuotaSet) check(c *checker) {
	c.absPath("path", b.Path)
	c.context("projid", int64(b.ID))
	if b.SpaceKiB == 0 && b.Inodes == 0 {
		c.fail("space_kib", "a quota needs a space or an inode limit (both are 0)")
	}
	c.intRange("reserved_pct", int64(b.ReservedPct), 0, 100)
}
