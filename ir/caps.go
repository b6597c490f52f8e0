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

// capabilities numbers Linux's capabilities (include/uapi/linux/capability.h)
// by the names caps.drop uses: upper case, without CAP_, CAP_CHOWN (0) to
// CAP_CHECKPOINT_RESTORE (40). The compiler checks names against it and
// the executor drops capabilities by these numbers.
var capabilities = map[string]int{
	"CHOWN":              0,
	"DAC_OVERRIDE":       1,
	"DAC_READ_SEARCH":    2,
	"FOWNER":             3,
	"FSETID":             4,
	"KILL":               5,
	"SETGID":             6,
	"SETUID":             7,
	"SETPCAP":            8,
	"LINUX_IMMUTABLE":    9,
	"NET_BIND_SERVICE":   10,
	"NET_BROADCAST":      11,
	"NET_ADMIN":          12,
	"NET_RAW":            13,
	"IPC_LOCK":           14,
	"IPC_OWNER":          15,
	"SYS_MODULE":         16,
	"SYS_RAWIO":          17,
	"SYS_CHROOT":         18,
	"SYS_PTRACE":         19,
	"SYS_PACCT":          20,
	"SYS_ADMIN":          21,
	"SYS_BOOT":           22,
	"SYS_NICE":           23,
	"SYS_RESOURCE":       24,
	"SYS_TIME":           25,
	"SYS_TTY_CONFIG":     26,
	"MKNOD":              27,
	"LEASE":              28,
	"AUDIT_WRITE":        29,
	"AUDIT_CONTROL":      30,
	"SETFCAP":            31,
	"MAC_OVERRIDE":       32,
	"MAC_ADMIN":          33,
	"SYSLOG":             34,
	"WAKE_ALARM":         35,
	"BLOCK_SUSPEND":      36,
	"AUDIT_READ":         37,
	"PERFMON":            38,
	"BPF":                39,
	"CHECKPOINT_RESTORE": 40,
}

// Capability returns the number of a capability named as caps.drop names
// it (SYS_ADMIN); ok is false when Linux has no such capability.
func Capability(name string) (number int, ok bool) {
	number, ok = capabilities[name]
	return number, ok
}

// CapabilityNames lists the capabilities in number order (CHOWN is 0).
func CapabilityNames() []string {
	out := make([]string, len(capabilities))
	for n, i := range capabilities {
		out[i] = n
	}
	return out
}
