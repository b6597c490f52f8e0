package ir

// KindNsNew creates a guest's namespaces.
const KindNsNew Kind = "ns.new"

// nsKinds are the namespace kinds a guest may get, named as in
// /proc/PID/ns. net is only for guests with an isolated network; time
// stands in for util-vserver's virt_uptime flag.
var nsKinds = []string{"mnt", "uts", "ipc", "pid", "net", "time"}

// NsNew creates the guest's namespaces, the mainline replacement for a
// new security context, and keeps them by bind-mounting /proc/PID/ns/*
// under the state dir (STATE/HOST/guests/NAME/ns/) so that later steps and `vsc enter` can setns.
// With Cleanup, host mounts are unmounted from the new mount namespace
// (util-vserver's namespace-cleanup).
//
//	unshare --mount --uts --ipc --pid --fork --mount-proc   (and bind mounts of /proc/PID/ns/*)
type NsNew struct {
	Guest   string   `ir:"guest"`
	Context int      `ir:"context"` // 2..49151
	Kinds   []string `ir:"kinds"`   // mnt uts ipc pid net time
	Cleanup bool     `ir:"cleanup"`
}

func (*NsNew) Kind() Kind { return KindNsNew }

func (b *NsNew) check(c *checker) {
	c.context("context", int64(b.Context))
	c.list("kinds", b.Kinds, func(k string) { c.oneOf("kinds", k, nsKinds) })
}
