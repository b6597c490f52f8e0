package executor

import (
	"fmt"
	"net/netip"
	"testing"

	"vsc/ir"
)

// largeN is the size of each kind in TestLargeTables: more objects than
// fit in one 64 KiB netlink read, so that a reader keeping slices into
// its receive buffer would see routes read early overwritten by later
// ones.
const largeN = 10_000

// largePlan is largeN addresses on eth0, largeN routes in table 7 and
// largeN rules sending to it.
func largePlan(t *testing.T) *ir.Plan {
	t.Helper()
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: "test", Source: "test", SourceDigest: ir.Digest(nil)}
	base := netip.MustParseAddr("10.40.0.0")
	for i := range largeN {
		a := nth(base, i)
		p.Add(ir.OwnerHost, "large.vsc.hcl:1:1", &ir.AddrAdd{Dev: "eth0", Address: a.String() + "/16"})
	}
	routeBase := netip.MustParseAddr("172.16.0.0")
	for i := range largeN {
		p.Add(ir.OwnerHost, "large.vsc.hcl:2:1", &ir.RouteAdd{Table: 7, To: nth(routeBase, i).String() + "/32", Via: "10.40.0.1"})
	}
	ruleBase := netip.MustParseAddr("192.168.0.0")
	for i := range largeN {
		p.Add(ir.OwnerHost, "large.vsc.hcl:3:1", &ir.RuleAdd{From: nth(ruleBase, i).String() + "/32", Table: 7, Priority: 1000 + i})
	}
	if err := ir.Verify(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// nth is the address i after base (base + i + 1, skipping the network's
// own address).
func nth(base netip.Addr, i int) netip.Addr {
	b := base.As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n += uint32(i) + 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// TestLargeTables applies 10,000 addresses, routes and rules, reads them
// back with ip, and re-applies: a converged host is "No changes", not a
// run that tries to add again what its readers lost.
func TestLargeTables(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: 30,000 kernel objects; not with -short")
	}
	s := newSandbox(t)
	o := s.options()
	p := largePlan(t)
	res, err := Apply(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3*largeN {
		t.Fatalf("first apply: %+v, want %d added", res, 3*largeN)
	}
	count := func() (addrs, routes, rules int) {
		for _, a := range s.addrs() {
			var dev, addr, label string
			fmt.Sscan(a, &dev, &addr, &label)
			if pr, err := netip.ParsePrefix(addr); err == nil && netip.MustParsePrefix("10.40.0.0/16").Contains(pr.Addr()) {
				addrs++
			}
		}
		for _, r := range s.ipRoutes(7) {
			if len(r) > 0 && r[:7] == "172.16." {
				routes++
			}
		}
		for _, r := range s.ipRules() {
			var fam string
			var prio int
			fmt.Sscan(r, &fam, &prio)
			if prio >= 1000 && prio < 1000+largeN {
				rules++
			}
		}
		return
	}
	if a, r, u := count(); a != largeN || r != largeN || u != largeN {
		t.Fatalf("ip reads %d addresses, %d routes, %d rules; want %d of each", a, r, u, largeN)
	}
	dry := o
	dry.DryRun = true
	if res, err := Apply(p, dry); err != nil || !res.Empty() {
		t.Fatalf("dry run of the converged host: %+v, %v; want No changes", res, err)
	}
	if res, err := Apply(p, o); err != nil || !res.Empty() {
		t.Fatalf("re-apply: %+v, %v; want No changes", res, err)
	}
	if res, err := Destroy(p, o); err != nil || res.Removed != 3*largeN {
		t.Fatalf("destroy: %+v, %v; want %d removed", res, err, 3*largeN)
	}
	if a, r, u := count(); a != 0 || r != 0 || u != 0 {
		t.Fatalf("after destroy ip reads %d addresses, %d routes, %d rules; want none", a, r, u)
	}
}
