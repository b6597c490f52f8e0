package ir

// KindRlimitSet sets a resource limit of a guest's init.
const KindRlimitSet Kind = "rlimit.set"

// rlimitResources are the resources prlimit(1) knows, by its lower-case
// names (RLIMIT_AS … RLIMIT_STACK).
var rlimitResources = []string{
	"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
	"nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
}

// RlimitSet sets a per-process resource limit on the guest's init, which
// its processes inherit. math.MaxUint64 is RLIM_INFINITY and is written
// "unlimited".
//
//	prlimit --pid INIT --nofile=1024:4096
type RlimitSet struct {
	Guest    string `ir:"guest"`
	Resource string `ir:"resource"`       // prlimit name, e.g. nofile
	Soft     uint64 `ir:"soft,unlimited"` // ≤ Hard
	Hard     uint64 `ir:"hard,unlimited"`
}

func (*RlimitSet) Kind() Kind { return KindRlimitSet }

func (b *RlimitSet) check(c *checker) {
	c.oneOf("resource", b.Resource, rlimitResources)
	if b.Soft > b.Hard {
		c.fail("soft", "soft limit %s is above hard limit %s", formatLimit(b.Soft), formatLimit(b.Hard))
	}
}

// formatLimit writes a limit as the encoders do, for messages.
func formatLimit(v uint64) string { return field{unlimited: true}.uintText(v) }
