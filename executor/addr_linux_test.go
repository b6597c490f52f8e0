package executor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// plan builds a verified plan of host-state ops for tests.
func testPlan(t *testing.T, bodies ...ir.Body) *ir.Plan {
	t.Helper()
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: "test", Source: "test", SourceDigest: ir.Digest(nil)}
	for i, b := range bodies {
		owner := ir.OwnerHost
		if a, ok := b.(*ir.AddrAdd); ok && strings.Contains(a.Label, ":") {
			owner = ir.GuestOwner(strings.SplitN(a.Label, ":", 2)[1])
		}
		p.Add(owner, fmt.Sprintf("test.vsc.hcl:%d:1", i+1), b)
	}
	if err := ir.Verify(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAddrApplyChangeDestroy(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	s.ip("addr", "add", "192.0.2.1/24", "dev", "eth0") // the host's own: must survive

	p1 := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.11/24", Label: "eth0:db"},
	)
	res, err := Apply(p1, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 2}) {
		t.Errorf("first apply: %+v", res)
	}
	want := []string{"eth0 192.0.2.1/24 eth0", "eth0 192.0.2.10/24 eth0:web", "eth0 192.0.2.11/24 eth0:db"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Fatalf("after apply (-want +got):\n%s", diff)
	}

	// Nothing changed: nothing to do.
	var out strings.Builder
	o.Out = &out
	res, err = Apply(p1, o)
	if err != nil || !res.Empty() || !strings.Contains(out.String(), "No changes.") {
		t.Fatalf("second apply: %+v %v %q", res, err, out.String())
	}

	// web moves to .12: the old address goes (the classic util-vserver
	// pitfall), db is dropped from the configuration.
	p2 := testPlan(t, &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.12/24", Label: "eth0:web"})
	out.Reset()
	res, err = Apply(p2, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 1, Removed: 2}) {
		t.Errorf("change: %+v\n%s", res, out.String())
	}
	want = []string{"eth0 192.0.2.1/24 eth0", "eth0 192.0.2.12/24 eth0:web"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Fatalf("after change (-want +got):\n%s", diff)
	}

	res, err = Destroy(p2, o)
	if err != nil || counts(res) != (Result{Removed: 1}) {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if diff := cmp.Diff([]string{"eth0 192.0.2.1/24 eth0"}, s.addrs()); diff != "" {
		t.Fatalf("after destroy, only the host's own address stays (-want +got):\n%s", diff)
	}
}

// A foreign address with the key of one the plan wants, but different,
// stops the run before anything changes.
func TestAddrForeignInTheWay(t *testing.T) {
	s := newSandbox(t)
	s.ip("addr", "add", "192.0.2.10/25", "dev", "eth0")
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.20/24", Label: "eth0:a"},
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
	)
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "in the way") {
		t.Fatalf("want an 'in the way' error, got %v", err)
	}
	if diff := cmp.Diff([]string{"eth0 192.0.2.10/25 eth0"}, s.addrs()); diff != "" {
		t.Fatalf("nothing may change (-want +got):\n%s", diff)
	}
}

// Fault injection at every step of a run: the host ends exactly as it
// was before, and the record too (a second apply does it all).
func TestAddrFaultAtEveryStep(t *testing.T) {
	s := newSandbox(t)
	base := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:a"},
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.11/24", Label: "eth0:b"},
	)
	if _, err := Apply(base, s.options()); err != nil {
		t.Fatal(err)
	}
	next := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.12/24", Label: "eth0:a"},
		&ir.AddrAdd{Dev: "eth1", Address: "198.51.100.1/24", Label: "eth1:c"},
		&ir.AddrAdd{Dev: "eth1", Address: "198.51.100.2/24", Label: "eth1:d"},
	)
	before := s.addrs()
	// 2 removals + 3 additions = 5 steps.
	for k := 0; k < 5; k++ {
		o := s.options()
		o.FailAt = &k
		if _, err := Apply(next, o); err == nil || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("step %d: want the injected failure, got %v", k, err)
		}
		if diff := cmp.Diff(before, s.addrs()); diff != "" {
			t.Fatalf("failure at step %d left the host changed (-before +after):\n%s", k, diff)
		}
	}
	if _, err := Apply(next, s.options()); err != nil {
		t.Fatal(err)
	}
	want := []string{"eth0 192.0.2.12/24 eth0:a", "eth1 198.51.100.1/24 eth1:c", "eth1 198.51.100.2/24 eth1:d"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Fatalf("after the real apply (-want +got):\n%s", diff)
	}
}

// counts is a result without its observed digest, to compare with a
// Result literal.
func counts(r Result) Result { return Result{Added: r.Added, Changed: r.Changed, Removed: r.Removed} }

// Removing the first address of a subnet must not take the others with
// it: by default the kernel deletes every secondary address with the
// primary, foreign ones included.
func TestAddrRemovePrimaryKeepsSecondaries(t *testing.T) {
	s := newSandbox(t)
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:a"},
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.11/24", Label: "eth0:b"},
	)
	if _, err := Apply(p, s.options()); err != nil {
		t.Fatal(err)
	}
	s.ip("addr", "add", "192.0.2.50/24", "dev", "eth0") // foreign, secondary to .10
	// a goes; b stays.
	if _, err := Apply(testPlan(t, &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.11/24", Label: "eth0:b"}), s.options()); err != nil {
		t.Fatal(err)
	}
	want := []string{"eth0 192.0.2.11/24 eth0:b", "eth0 192.0.2.50/24 eth0"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Fatalf("removing the primary took secondaries with it (-want +got):\n%s", diff)
	}
	if _, err := Destroy(p, s.options()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"eth0 192.0.2.50/24 eth0"}, s.addrs()); diff != "" {
		t.Fatalf("destroy took the foreign address (-want +got):\n%s", diff)
	}
}

// Ensure adds one owner's objects (a guest's addresses, at its start) and
// removes nothing, not even what the plan dropped.
func TestEnsureOneOwner(t *testing.T) {
	s := newSandbox(t)
	old := testPlan(t, &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.9/24", Label: "eth0:old"})
	if _, err := Apply(old, s.options()); err != nil {
		t.Fatal(err)
	}
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.11/24", Label: "eth0:db"},
	)
	res, err := Ensure(p, ir.GuestOwner("web"), s.options())
	if err != nil || counts(res) != (Result{Added: 1}) {
		t.Fatalf("ensure: %+v %v", res, err)
	}
	want := []string{"eth0 192.0.2.10/24 eth0:web", "eth0 192.0.2.9/24 eth0:old"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Fatalf("after ensure (-want +got):\n%s", diff)
	}
	// The record knows web's address: apply of the full plan adds db only
	// (and removes old, which the plan dropped).
	res, err = Apply(p, s.options())
	if err != nil || counts(res) != (Result{Added: 1, Removed: 1}) {
		t.Fatalf("apply after ensure: %+v %v", res, err)
	}
}
