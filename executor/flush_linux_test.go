package executor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// The kernel deletes every IPv4 route through a link when the link loses
// its last IPv4 address. These tests give eth0 one address of vsc's and a
// route of vsc's through it in table 7, then move, change or remove the
// address, and read the table back with ip.

var (
	onlyAddr  = &ir.AddrAdd{Dev: "eth0", Address: "10.70.0.2/24", Label: "eth0:web"}
	movedAddr = &ir.AddrAdd{Dev: "eth0", Address: "10.70.0.3/24", Label: "eth0:web"}
	// narrowed is onlyAddr with another prefix: the same object, changed.
	narrowed   = &ir.AddrAdd{Dev: "eth0", Address: "10.70.0.2/25", Label: "eth0:web"}
	tableRoute = &ir.RouteAdd{Table: 7, To: "10.80.0.0/16", Via: "10.70.0.1"}
)

const tableRouteLine = "10.80.0.0/16 via 10.70.0.1 dev eth0 proto 118"

func flushSandbox(t *testing.T) *sandbox {
	s := newSandbox(t)
	if _, err := Apply(testPlan(t, onlyAddr, tableRoute), s.options()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{tableRouteLine}, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after the first apply (-want +got):\n%s", diff)
	}
	return s
}

// converged fails the test when a dry run of p, after what, wants changes.
func converged(t *testing.T, p *ir.Plan, o Options, after string) {
	t.Helper()
	o.DryRun = true
	if res, err := Apply(p, o); err != nil || !res.Empty() {
		t.Fatalf("a dry run after %s wants changes: %+v %v", after, res, err)
	}
}

// Moving the only address: the new one is added before the old one goes,
// so the link is never without one and the table keeps its route.
func TestLastAddressMovedKeepsTable(t *testing.T) {
	s := flushSandbox(t)
	o := s.options()
	var out strings.Builder
	o.Out = &out
	p := testPlan(t, movedAddr, tableRoute)
	res, err := Apply(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 1, Removed: 1}) {
		t.Errorf("move: %+v", res)
	}
	if i, j := strings.Index(out.String(), "+ addr.add"), strings.Index(out.String(), "- addr.add"); i < 0 || j < i {
		t.Errorf("the new address must come before the old one goes:\n%s", out.String())
	}
	if diff := cmp.Diff([]string{tableRouteLine}, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after the move (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"eth0 10.70.0.3/24 eth0:web"}, s.addrs()); diff != "" {
		t.Fatalf("addresses after the move (-want +got):\n%s", diff)
	}
	converged(t, p, o, "the move")

	// The record now has the route before the address: destroy removes
	// the address first, the kernel flushes the route with it, and the
	// route's removal finds it gone — done, and said.
	out.Reset()
	res, err = Destroy(p, o)
	if err != nil {
		t.Fatalf("destroy after the move: %v\n%s", err, out.String())
	}
	if res.Removed+res.Gone != 2 {
		t.Errorf("destroy: %+v, want 2 objects removed or gone", res)
	}
	if len(s.ipRoutes(7)) != 0 || len(s.addrs()) != 0 {
		t.Errorf("after destroy: table 7 %v, addresses %v", s.ipRoutes(7), s.addrs())
	}
}

// Changing the only address (another prefix) removes it and makes it
// again: vsc's route through the link is taken away before and put back
// after, instead of being flushed by the kernel behind vsc's back.
func TestOnlyAddressChangedKeepsTable(t *testing.T) {
	s := flushSandbox(t)
	o := s.options()
	var out strings.Builder
	o.Out = &out
	p := testPlan(t, narrowed, tableRoute)
	res, err := Apply(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 1, Changed: 1, Removed: 1}) {
		t.Errorf("change: %+v\n%s", res, out.String())
	}
	for _, want := range []string{"- route.add table=7", "~ addr.add dev=eth0 address=10.70.0.2/25", "+ route.add table=7", "back once eth0 has an address again"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("review lacks %q:\n%s", want, out.String())
		}
	}
	if diff := cmp.Diff([]string{tableRouteLine}, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after the change (-want +got):\n%s", diff)
	}
	converged(t, p, o, "the change")
}

// A run that would leave eth0 without an IPv4 address while a route goes
// through it — one the plan keeps, or one vsc did not make — stops before
// any change, naming the address and the route.
func TestLastAddressRemovedRefused(t *testing.T) {
	s := flushSandbox(t)
	before := s.netState(7, 8)
	_, err := Apply(testPlan(t, tableRoute), s.options())
	if err == nil || !strings.Contains(err.Error(), "leaves eth0 without an IPv4 address") || !strings.Contains(err.Error(), "which the plan keeps") {
		t.Fatalf("want a refusal naming the kept route, got %v", err)
	}
	if diff := cmp.Diff(before, s.netState(7, 8)); diff != "" {
		t.Fatalf("nothing may change (-before +after):\n%s", diff)
	}

	s.ip("route", "add", "10.90.0.0/16", "dev", "eth0", "table", "8")
	before = s.netState(7, 8)
	_, err = Apply(testPlan(t), s.options())
	if err == nil || !strings.Contains(err.Error(), "route.add table=8 to=10.90.0.0/16 dev=eth0, which vsc did not create, would go") {
		t.Fatalf("want a refusal naming the foreign route, got %v", err)
	}
	if diff := cmp.Diff(before, s.netState(7, 8)); diff != "" {
		t.Fatalf("nothing may change (-before +after):\n%s", diff)
	}
}

// Routes flushed behind vsc's back: destroy forgets them, says so, removes
// the rest and exits 0.
func TestDestroyAfterFlush(t *testing.T) {
	s := flushSandbox(t)
	s.ip("route", "flush", "table", "7")
	o := s.options()
	var out strings.Builder
	o.Out = &out
	res, err := Destroy(testPlan(t, onlyAddr, tableRoute), o)
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if counts(res) != (Result{Removed: 1}) || res.Gone != 1 {
		t.Errorf("destroy: %+v, want 1 removed and 1 already gone", res)
	}
	if !strings.Contains(out.String(), "Already gone (removed outside vsc; forgotten): 1\n  route.add table=7 to=10.80.0.0/16 via=10.70.0.1") {
		t.Errorf("destroy does not say what was gone:\n%s", out.String())
	}
	if len(s.addrs()) != 0 {
		t.Errorf("addresses left: %v", s.addrs())
	}
	// Forgotten for good: a second destroy has nothing to do.
	out.Reset()
	if res, err := Destroy(testPlan(t), o); err != nil || !res.Empty() || res.Gone != 0 {
		t.Fatalf("second destroy: %+v %v\n%s", res, err, out.String())
	}
}

// An object taken away while the run works is found by the read-back:
// the apply fails with the list, never "complete".
func TestReadBackFindsMissing(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	o.Progress = func(done, total int) {
		if done == 1 {
			s.ip("addr", "del", "10.70.0.2/24", "dev", "eth0")
		}
	}
	_, err := Apply(testPlan(t, onlyAddr, tableRoute), o)
	if err == nil || !strings.Contains(err.Error(), "does not hold what the plan asks") ||
		!strings.Contains(err.Error(), "missing: addr.add dev=eth0 address=10.70.0.2/24 label=eth0:web") {
		t.Fatalf("want a read-back error naming the missing address, got %v", err)
	}
	// The record holds what vsc did: the next run puts it back.
	o.Progress = nil
	res, err := Apply(testPlan(t, onlyAddr, tableRoute), o)
	if err != nil || res.Added == 0 {
		t.Fatalf("the next apply: %+v %v", res, err)
	}
	if diff := cmp.Diff([]string{tableRouteLine}, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after the next apply (-want +got):\n%s", diff)
	}
}

// restored reads the host back after a rollback and says where it is
// not what it was: a rollback is claimed only once observed.
func TestRestoredReadsBack(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	h, err := openHost("test", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	op := &ir.Op{Owner: ir.OwnerHost, Origin: "t:1:1", Body: onlyAddr}
	a := &action{verb: add, key: keyOf(onlyAddr), want: op, h: addrHandler{}}
	done := []step{{create: true, op: op, act: a}}
	if err := h.restored(done, map[string]live{}); err != nil {
		t.Fatalf("nothing there before or after: %v", err)
	}
	s.ip("addr", "add", "10.70.0.2/24", "dev", "eth0", "label", "eth0:web")
	err = h.restored(done, map[string]live{})
	if err == nil || !strings.Contains(err.Error(), "still there: addr.add dev=eth0 address=10.70.0.2/24") {
		t.Fatalf("want 'still there', got %v", err)
	}
	err = h.restored(done, map[string]live{a.key: {body: narrowed}})
	if err == nil || !strings.Contains(err.Error(), "different: addr.add dev=eth0 address=10.70.0.2/24 label=eth0:web, was addr.add dev=eth0 address=10.70.0.2/25") {
		t.Fatalf("want 'different', got %v", err)
	}
}
