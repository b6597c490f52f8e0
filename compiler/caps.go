package compiler

import (
	"strings"

	"vsc/ir"
)

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
	number, ok = ir.Capability(canon)
	return canon, number, ok
}

// CapabilityNames lists Linux's capabilities without CAP_, in number
// order (CHOWN is 0), for editors to offer.
func CapabilityNames() []string { return ir.CapabilityNames() }

// Dangerous says what adding a capability lets a guest do to the host,
// "" for a capability capability-dangerous does not warn about.
func Dangerous(capability string) string {
	c, _, _ := Capability(capability)
	return dangerousCapabilities[c]
}
