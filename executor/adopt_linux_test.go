package executor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// A record lost while vsc's objects stay on the host: routes and rules
// carry vsc's protocol, links its alias. A run with another (empty)
// state dir must stop and list them, change nothing, and with Adopt take
// them back — removing what the plan no longer has.

var (
	adoptAddr   = &ir.AddrAdd{Dev: "eth0", Address: "10.7.0.10/16", Label: "eth0:a"}
	adoptRoute  = &ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"}
	adoptRule   = &ir.RuleAdd{From: "10.7.0.10/32", Table: 7, Priority: 1007}
	droppedRt   = &ir.RouteAdd{Table: 7, To: "198.51.100.0/24", Dev: "eth1"}
	droppedRule = &ir.RuleAdd{From: "10.9.0.0/16", Table: 7, Priority: 1009}
)

// lostRecord applies the full plan with one state dir and returns the
// sandbox and the smaller plan, to be run with a fresh state dir. A veth
// vx0 carrying vsc's alias stands for a link of an earlier run.
func lostRecord(t *testing.T) (*sandbox, *ir.Plan) {
	s := routeSandbox(t)
	full := testPlan(t, adoptAddr, adoptRoute, adoptRule, droppedRt, droppedRule)
	if _, err := Apply(full, s.options()); err != nil {
		t.Fatal(err)
	}
	s.ip("link", "add", "vx0", "type", "veth", "peer", "name", "vx1")
	s.ip("link", "set", "vx0", "alias", linkAlias)
	s.stateDir = t.TempDir()
	return s, testPlan(t, adoptAddr, adoptRoute, adoptRule)
}

func (s *sandbox) hasLink(name string) bool {
	for _, l := range s.ipJSON("link", "show") {
		if l["ifname"] == name {
			return true
		}
	}
	return false
}

func TestMarkedWithoutRecordRefused(t *testing.T) {
	s, p := lostRecord(t)
	before := s.netState(7)
	for _, dry := range []bool{true, false} {
		o := s.options()
		o.DryRun = dry
		_, err := Apply(p, o)
		if err == nil {
			t.Fatalf("dry run %v: an apply without a record over marked objects must stop", dry)
		}
		msg := err.Error()
		for _, want := range []string{
			"nothing was changed", "no record of host", s.stateDir, "5 object(s) carrying vsc's mark",
			"link.add name=vx0", "198.51.100.0/24 dev=eth1  # adopted; not in the plan", "198.51.100.0/24", "10.9.0.0/16", "vsc apply --adopt",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("dry run %v: the error does not say %q:\n%s", dry, want, msg)
			}
		}
	}
	if _, err := Destroy(p, s.options()); err == nil || !strings.Contains(err.Error(), "vsc destroy --adopt") {
		t.Errorf("destroy without a record over marked objects: %v", err)
	}
	if diff := cmp.Diff(before, s.netState(7)); diff != "" {
		t.Errorf("refused runs changed the host (-before +after):\n%s", diff)
	}
	if !s.hasLink("vx0") {
		t.Error("refused runs removed vx0")
	}
}

func TestAdoptTakesBack(t *testing.T) {
	s, p := lostRecord(t)
	o := s.options()
	o.Adopt = true
	var out strings.Builder
	o.Out = &out
	res, err := Apply(p, o)
	if err != nil {
		t.Fatalf("apply --adopt: %v\n%s", err, out.String())
	}
	// Five marked objects and the address the host holds as planned; the
	// dropped route and rule and the link are removed, nothing is added.
	if res.Adopted != 6 || counts(res) != (Result{Removed: 3}) {
		t.Errorf("apply --adopt: %+v\n%s", res, out.String())
	}
	if !strings.Contains(out.String(), "Adopted (no record; now vsc's): 6") {
		t.Errorf("the review does not list what was adopted:\n%s", out.String())
	}
	if s.hasLink("vx0") {
		t.Error("vx0, adopted and not in the plan, is still there")
	}
	if diff := cmp.Diff([]string{"default via 10.7.0.1 dev eth0 proto " + vscProto}, s.ipRoutes(7)); diff != "" {
		t.Errorf("table 7 after apply --adopt (-want +got):\n%s", diff)
	}
	rules := s.ip("rule", "show")
	if !strings.Contains(rules, "1007:") || strings.Contains(rules, "1009:") {
		t.Errorf("rules after apply --adopt:\n%s", rules)
	}
	o.Out = nil
	converged(t, p, o, "apply --adopt")

	// Another lost record: destroy --adopt removes what is vsc's, the
	// planned address included, and leaves the host's own.
	s.stateDir = t.TempDir()
	o = s.options()
	o.Adopt = true
	res, err = Destroy(p, o)
	if err != nil {
		t.Fatalf("destroy --adopt: %v", err)
	}
	if res.Adopted != 3 || counts(res) != (Result{Removed: 3}) {
		t.Errorf("destroy --adopt: %+v", res)
	}
	if got := s.ipRoutes(7); len(got) != 0 {
		t.Errorf("table 7 after destroy --adopt: %v", got)
	}
	if rules := s.ip("rule", "show"); strings.Contains(rules, "1007:") {
		t.Errorf("rules after destroy --adopt:\n%s", rules)
	}
	want := []string{"eth0 10.7.0.2/16 eth0", "eth0 2001:db8:7::2/64 <nil>", "eth1 10.8.0.2/16 eth1"}
	if diff := cmp.Diff(want, s.addrs()); diff != "" {
		t.Errorf("addresses after destroy --adopt (-want +got):\n%s", diff)
	}
}
