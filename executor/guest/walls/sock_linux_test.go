package walls

import (
	"net/netip"
	"os"
	"testing"
)

// The kernel's verifier takes every hook, for every shape of a guest's
// addresses (none, one family, both, several). What the hooks do is
// tested in package guest, from inside started guests.
func TestHooksLoad(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: loading BPF programs needs root")
	}
	for _, set := range [][]string{
		nil,
		{"192.0.2.10"},
		{"2001:db8::10"},
		{"192.0.2.10", "2001:db8::10", "192.0.2.11", "2001:db8::11", "198.51.100.7"},
	} {
		var addrs []netip.Addr
		for _, s := range set {
			addrs = append(addrs, netip.MustParseAddr(s))
		}
		for _, low := range []bool{true, false} {
			for _, h := range newConfinement(addrs, low).hooks() {
				prog, err := load(h.attach, h.insns)
				if err != nil {
					t.Errorf("%v low=%v %s: %v", set, low, hookName(h.attach), err)
					continue
				}
				prog.Close()
			}
		}
	}
}
