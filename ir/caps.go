package ir

import "strings"

// KindCapsDrop drops capabilities from a guest's bounding set.
const KindCapsDrop Kind = "caps.drop"

// CapsDrop removes capabilities from the bounding set of the guest's
// init before it is executed, so no process of the guest can ever gain
// them (util-vserver's bcapabilities).
//
//	capsh --drop=cap_sys_admin,cap_net_admin -- -c INIT   (PR_CAPBSET_DROP)
type CapsDrop struct {
	Guest string   `ir:"guest"`
	Drop  []string `ir:"drop"` // names without CAP_, upper case, e.g. SYS_ADMIN
}

func (*CapsDrop) Kind() Kind { return KindCapsDrop }

// isCapName reports whether name matches ^[A-Z_]+$: upper-case letters
// and underscores.
func isCapName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c < 'A' || c > 'Z') && c != '_' {
			return false
		}
	}
	return true
}

func (b *CapsDrop) check(c *checker) {
	c.list("drop", b.Drop, func(name string) {
		switch {
		case !isCapName(name):
			c.fail("drop", "%q is not a capability name like SYS_ADMIN (upper case, without CAP_)", name)
		case strings.HasPrefix(name, "CAP_"):
			c.fail("drop", "%q: write it without the CAP_ prefix", name)
		}
	})
}
