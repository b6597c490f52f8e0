package executor

import (
	"fmt"
	"os"
	"testing"

	"vsc/internal/testns"
	"vsc/ir"
)

// routesRulesPlan is the plan of make bench's routes case: 5,000 dev
// routes over ten tables and 500 rules.
func routesRulesPlan(b testing.TB) *ir.Plan {
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: "test", Source: "bench", SourceDigest: ir.Digest(nil)}
	for t := 0; t < 10; t++ {
		for r := 0; r < 500; r++ {
			p.Add(ir.OwnerHost, "bench.vsc.hcl:1:1", &ir.RouteAdd{Table: 100 + t, To: fmt.Sprintf("172.%d.%d.%d/30", 16+t, r/64, (r%64)*4), Dev: "eth0"})
		}
	}
	for i := 0; i < 500; i++ {
		p.Add(ir.OwnerHost, "bench.vsc.hcl:1:1", &ir.RuleAdd{From: fmt.Sprintf("10.%d.%d.0/24", 1+i/250, i%250), Table: 100 + i%10, Priority: 2000 + i})
	}
	if err := ir.Verify(p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkApplyRoutesRules applies 5,000 routes and 500 rules to a fresh
// namespace (compile excluded), then re-applies the converged plan.
func BenchmarkApplyRoutesRules(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("SKIP: needs root for network namespaces")
	}
	p := routesRulesPlan(b)
	for b.Loop() {
		b.StopTimer()
		ns, remove, err := testns.New("vsc-bench")
		if err != nil {
			b.Fatal(err)
		}
		o := Options{StateDir: b.TempDir(), NetNS: ns}
		b.StartTimer()
		if _, err := Apply(p, o); err != nil {
			remove()
			b.Fatal(err)
		}
		b.StopTimer()
		remove()
		b.StartTimer()
	}
}

// BenchmarkReapplyRoutesRules re-applies the converged plan: all
// observation, no change.
func BenchmarkReapplyRoutesRules(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("SKIP: needs root for network namespaces")
	}
	p := routesRulesPlan(b)
	ns, remove, err := testns.New("vsc-bench")
	if err != nil {
		b.Fatal(err)
	}
	defer remove()
	o := Options{StateDir: b.TempDir(), NetNS: ns}
	if _, err := Apply(p, o); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := Apply(p, o)
		if err != nil || !res.Empty() {
			b.Fatalf("%+v %v", res, err)
		}
	}
}
