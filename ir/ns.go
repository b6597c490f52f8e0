package ir

import (
	"slices"
	"strings"
)

// KindNsNew creates a guest's namespaces.
const KindNsNew Kind = "ns.new"

// nsKinds are the namespace kinds a guest may get, named as in
// /proc/PID/ns. net is only for guests with an isolated network; time
// stands in for util-vserver's virt_uptime flag.
var nsKinds = []string{"user", "mnt", "uts", "ipc", "pid", "net", "time"}

// nsRequired are the namespaces no guest goes without: its own user
// namespace is what makes its root not the host's root, and its own
// mount and PID namespaces are what it is started in.
var nsRequired = []string{"user", "mnt", "pid"}

// GuestIDs is the number of user and group ids a guest has: 0–65535
// inside, a range of as many host ids outside.
const GuestIDs = 65536

// IDBase is the first host id of the range a guest of context ctx maps
// its ids 0–65535 to: ctx × 65536. It is never 0 (contexts start at 2)
// and the ranges of two contexts never overlap.
func IDBase(ctx int) uint32 { return uint32(ctx) * GuestIDs }

// NsNew creates the guest's namespaces, the mainline replacement for a
// new security context, and keeps them by bind-mounting /proc/PID/ns/*
// under the state dir (STATE/HOST/guests/NAME/ns/) so that later steps
// and `vsc enter` can setns. The user namespace maps the guest's uids and
// gids 0..IDCount-1 to the host's IDBase..IDBase+IDCount-1; the other
// namespaces belong to it. With Cleanup, host mounts are detached from
// the new mount namespace (util-vserver's namespace-cleanup).
//
//	unshare --user --map-users=0:19660800:65536 --map-groups=0:19660800:65536 --mount --uts --ipc --pid --fork
type NsNew struct {
	Guest   string   `ir:"guest"`
	Context int      `ir:"context"`  // 2..49151
	Kinds   []string `ir:"kinds"`    // user mnt uts ipc pid net time
	IDBase  uint32   `ir:"id_base"`  // the host id of the guest's 0: context × 65536
	IDCount uint32   `ir:"id_count"` // 65536
	Cleanup bool     `ir:"cleanup"`
}

func (*NsNew) Kind() Kind { return KindNsNew }

func (b *NsNew) check(c *checker) {
	c.context("context", int64(b.Context))
	c.list("kinds", b.Kinds, func(k string) { c.oneOf("kinds", k, nsKinds) })
	for _, k := range nsRequired {
		if !slices.Contains(b.Kinds, k) {
			c.fail("kinds", "%s lacks %s: every guest has its own %s namespaces", strings.Join(b.Kinds, ","), k, strings.Join(nsRequired, ", "))
			break
		}
	}
	// The range is derived, not chosen: then it is never the host's own
	// ids, and two guests never share one.
	if b.Context >= contextMin && b.Context <= contextMax && b.IDBase != IDBase(b.Context) {
		c.fail("id_base", "%d is not context × %d = %d: a guest's ids are derived from its context", b.IDBase, GuestIDs, IDBase(b.Context))
	}
	if b.IDCount != GuestIDs {
		c.fail("id_count", "%d is not %d", b.IDCount, GuestIDs)
	}
}
