package ir

// KindProjidSet tags a folder tree with a project id.
const KindProjidSet Kind = "projid.set"

// ProjidSet gives the files under Path a project id (the guest's
// context), so that a project quota counts them; with Recursive, folders
// also get the inherit flag, so files created later are counted too.
// This is what util-vserver's chxid did with xid tags.
//
//	chxid -R -c 300 /var/lib/vservers/x   (FS_IOC_FSSETXATTR fsx_projid, FS_XFLAG_PROJINHERIT)
type ProjidSet struct {
	Path      string `ir:"path"`      // absolute, clean
	ID        uint32 `ir:"projid"`    // 2..49151, the guest's context; not "id", the op's own key
	Recursive bool   `ir:"recursive"` // the whole tree, inherit flag on folders
}

func (*ProjidSet) Kind() Kind { return KindProjidSet }

func (b *ProjidSet) check(c *checker) {
	c.absPath("path", b.Path)
	c.context("projid", int64(b.ID))
}
