package compiler

import "strings"

// capabilityNumbers are Linux's capabilities (include/uapi/linux/capability.h),
// without the CAP_ prefix, CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40).
var capabilityNumbers = map[string]int{
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

// contextCapabilities are util-vserver's context capabilities
// (ccapabilities), which a mainline kernel does not have; named here only
// to explain why they are refused.
var contextCapabilities = map[string]bool{
	"SET_UTSNAME": true, "SET_RLIMIT": true, "RAW_ICMP": true,
	"SECURE_MOUNT": true, "SECURE_REMOUNT": true, "BINARY_MOUNT": true,
	"QUOTA_LOAD": true, "QUOTA_CTL": true, "QUOTA_MAP": true,
	"ADMIN_MAP": true, "ADMIN_CLOOP": true,
}

// Capability returns the canonical name of a capability — upper case,
// without CAP_, as ir.CapsDrop takes it — and its number. The name may be
// written in any case, with or without CAP_. ok is false when Linux has
// no such capability.
func Capability(name string) (canon string, number int, ok bool) {
	canon = strings.TrimPrefix(strings.ToUpper(name), "CAP_")
	number, ok = capabilityNumbers[canon]
	return canon, number, ok
}

// capabilityNames lists the canonical names in number order, for
// suggestions that do not depend on map order.
func capabilityNames() []string {
	out := make([]string, len(capabilityNumbers))
	for n, i := range capabilityNumbers {
		out[i] = n
	}
	return out
}

// CapabilityNames lists Linux's capabilities without CAP_, in number
// order (CHOWN is 0), for editors to offer.
func CapabilityNames() []string { return capabilityNames() }

// Dangerous says what adding a capability lets a guest do to the host,
// "" for a capability capability-dangerous does not warn about.
func Dangerous(capability string) string {
	c, _, _ := Capability(capability)
	return dangerousCapabilities[c]
}
