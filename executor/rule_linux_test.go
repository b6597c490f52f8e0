package executor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// ipRules lists the rules of both families as ip reads them, in order:
// "PRIORITY from SRC table TABLE [proto PROTO]".
func (s *sandbox) ipRules() []string {
	s.t.Helper()
	var out []string
	for _, fam := range []string{"-4", "-6"} {
		for _, r := range s.ipJSON(fam, "rule", "show") {
			src := fmt.Sprint(r["src"])
			if n, ok := r["srclen"]; ok {
				src += fmt.Sprintf("/%v", n)
			}
			line := fmt.Sprintf("%s %v from %s table %v", fam, r["priority"], src, r["table"])
			if p, ok := r["protocol"]; ok {
				line += fmt.Sprintf(" proto %v", p)
			}
			for _, k := range []string{"fwmark", "iif", "action"} {
				if v, ok := r[k]; ok {
					line += fmt.Sprintf(" %s %v", k, v)
				}
			}
			out = append(out, line)
		}
	}
	return out
}

// kernelRuleLines are the rules every network namespace starts with.
var kernelRuleLines = []string{
	"-4 0 from all table local",
	"-4 32766 from all table main",
	"-4 32767 from all table default",
	"-6 0 from all table local",
	"-6 32766 from all table main",
}

func withKernelRules(v4, v6 []string) []string {
	out := append([]string{}, kernelRuleLines[0])
	out = append(out, v4...)
	out = append(out, kernelRuleLines[1:4]...)
	out = append(out, v6...)
	return append(out, kernelRuleLines[4])
}

func TestRuleApplyChangeDestroy(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	// The host's own rule: it must survive.
	s.ip("rule", "add", "from", "192.0.2.0/24", "table", "5", "priority", "500")
	foreign := "-4 500 from 192.0.2.0/24 table 5"

	p1 := testPlan(t,
		&ir.RuleAdd{From: "10.7.0.0/16", Table: 7, Priority: 1007},
		&ir.RuleAdd{From: "10.8.0.0/16", Table: 8, Priority: 1008},
		&ir.RuleAdd{From: "0.0.0.0/0", Table: 1000, Priority: 1010},
		&ir.RuleAdd{From: "2001:db8:7::/48", Table: 7, Priority: 1007 + 100},
	)
	res, err := Apply(p1, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 4}) {
		t.Errorf("first apply: %+v", res)
	}
	want := withKernelRules([]string{
		foreign,
		"-4 1007 from 10.7.0.0/16 table 7 proto " + vscProto,
		"-4 1008 from 10.8.0.0/16 table 8 proto " + vscProto,
		"-4 1010 from all table 1000 proto " + vscProto,
	}, []string{
		"-6 1107 from 2001:db8:7::/48 table 7 proto " + vscProto,
	})
	if diff := cmp.Diff(want, s.ipRules()); diff != "" {
		t.Fatalf("after apply (-want +got):\n%s", diff)
	}

	var out strings.Builder
	o.Out = &out
	res, err = Apply(p1, o)
	if err != nil || !res.Empty() || !strings.Contains(out.String(), "No changes.") {
		t.Fatalf("second apply: %+v %v %q", res, err, out.String())
	}

	// 1007's table changes (replaced); 1008 and the IPv6 rule are dropped
	// (removed).
	p2 := testPlan(t,
		&ir.RuleAdd{From: "10.7.0.0/16", Table: 70, Priority: 1007},
		&ir.RuleAdd{From: "0.0.0.0/0", Table: 1000, Priority: 1010},
	)
	out.Reset()
	res, err = Apply(p2, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Changed: 1, Removed: 2}) {
		t.Errorf("change: %+v\n%s", res, out.String())
	}
	if !strings.Contains(out.String(), "~ rule.add from=10.7.0.0/16 table=70 priority=1007") {
		t.Errorf("the review does not show the replacement:\n%s", out.String())
	}
	want = withKernelRules([]string{
		foreign,
		"-4 1007 from 10.7.0.0/16 table 70 proto " + vscProto,
		"-4 1010 from all table 1000 proto " + vscProto,
	}, nil)
	if diff := cmp.Diff(want, s.ipRules()); diff != "" {
		t.Fatalf("after change (-want +got):\n%s", diff)
	}

	res, err = Destroy(p2, o)
	if err != nil || counts(res) != (Result{Removed: 2}) {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if diff := cmp.Diff(withKernelRules([]string{foreign}, nil), s.ipRules()); diff != "" {
		t.Fatalf("after destroy, the kernel's rules and the host's own stay (-want +got):\n%s", diff)
	}
}

// A foreign rule at a priority the plan wants, with another table or
// more selectors than a source, stops the run before anything changes.
func TestRuleForeignInTheWay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		foreign []string
		says    string
	}{
		{"other table", []string{"from", "10.7.0.0/16", "table", "9"}, "table=9 priority=1007"},
		{"fwmark", []string{"from", "10.7.0.0/16", "fwmark", "0x7", "table", "7"}, `from="10.7.0.0/16 fwmark 0x7"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := routeSandbox(t)
			s.ip(append(append([]string{"rule", "add"}, tc.foreign...), "priority", "1007")...)
			p := testPlan(t,
				&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
				&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
				&ir.RuleAdd{From: "10.8.0.0/16", Table: 8, Priority: 1008},
				&ir.RuleAdd{From: "10.7.0.0/16", Table: 7, Priority: 1007},
			)
			rules, addrs := s.ipRules(), s.addrs()
			_, err := Apply(p, s.options())
			if err == nil || !strings.Contains(err.Error(), "in the way") || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("want an 'in the way' error saying %q, got %v", tc.says, err)
			}
			if diff := cmp.Diff(rules, s.ipRules()); diff != "" {
				t.Fatalf("no rule may change (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(addrs, s.addrs()); diff != "" {
				t.Fatalf("no address may change (-before +after):\n%s", diff)
			}
			if got := s.ipRoutes(7); len(got) != 0 {
				t.Fatalf("table 7: %q, want it empty", got)
			}
		})
	}
}

// A foreign rule sharing a priority with vsc's, identical but for vsc's
// mark, is not vsc's: destroy removes vsc's rule and leaves it.
func TestRuleSharedPriority(t *testing.T) {
	s := newSandbox(t)
	p := testPlan(t, &ir.RuleAdd{From: "10.7.0.0/16", Table: 7, Priority: 1007})
	if _, err := Apply(p, s.options()); err != nil {
		t.Fatal(err)
	}
	s.ip("rule", "add", "from", "10.9.0.0/16", "table", "9", "priority", "1007")
	if res, err := Apply(p, s.options()); err != nil || !res.Empty() {
		t.Fatalf("re-apply beside a foreign rule: %+v %v", res, err)
	}
	if res, err := Destroy(p, s.options()); err != nil || counts(res) != (Result{Removed: 1}) {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if diff := cmp.Diff(withKernelRules([]string{"-4 1007 from 10.9.0.0/16 table 9"}, nil), s.ipRules()); diff != "" {
		t.Fatalf("the foreign rule must stay (-want +got):\n%s", diff)
	}
}

// netState is what a run may change in a sandbox: its addresses, the
// routes of the tables given, its rules, each as `ip -j` prints them.
func (s *sandbox) netState(tables ...int) string {
	s.t.Helper()
	var b strings.Builder
	fmt.Fprintln(&b, strings.Join(s.addrs(), "\n"))
	for _, n := range tables {
		for _, fam := range []string{"-4", "-6"} {
			b.WriteString(s.ipTable(fam, n))
		}
	}
	for _, fam := range []string{"-4", "-6"} {
		b.WriteString(s.ip("-j", fam, "rule", "show"))
	}
	return b.String()
}

// Fault injection at every step of a run mixing addresses, routes and
// rules (adds, replacements and removals): the host ends exactly as it
// was before each failed run, and the record too (the real run after
// them does it all).
func TestNetFaultAtEveryStep(t *testing.T) {
	s := routeSandbox(t)
	s.ip("route", "add", "192.0.2.0/24", "via", "10.7.0.254", "table", "7")
	s.ip("rule", "add", "from", "192.0.2.0/24", "table", "5", "priority", "500")
	base := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "10.7.0.10/16", Label: "eth0:a"},
		&ir.AddrAdd{Dev: "eth1", Address: "10.8.0.11/16", Label: "eth1:b"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RouteAdd{Table: 8, To: "default", Via: "10.8.0.1"},
		&ir.RouteAdd{Table: 7, To: "2001:db8:100::/48", Via: "2001:db8:7::1"},
		&ir.RuleAdd{From: "10.7.0.10/32", Table: 7, Priority: 1007},
		&ir.RuleAdd{From: "10.8.0.11/32", Table: 8, Priority: 1008},
	)
	if _, err := Apply(base, s.options()); err != nil {
		t.Fatal(err)
	}
	next := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "10.7.0.12/16", Label: "eth0:a"},    // replaces .10
		&ir.AddrAdd{Dev: "eth0", Address: "198.51.100.1/24", Label: "eth0:c"}, // new
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.3"},                // via changes
		&ir.RouteAdd{Table: 9, To: "203.0.113.0/24", Via: "198.51.100.254"},   // needs eth0:c
		&ir.RouteAdd{Table: 7, To: "2001:db8:100::/48", Via: "2001:db8:7::1"}, // unchanged
		&ir.RuleAdd{From: "10.7.0.12/32", Table: 7, Priority: 1007},           // from changes
		&ir.RuleAdd{From: "198.51.100.0/24", Table: 9, Priority: 1009},        // new
		&ir.RuleAdd{From: "2001:db8:7::/64", Table: 7, Priority: 1107},        // new, IPv6
	)
	tables := []int{7, 8, 9}
	dry := s.options()
	dry.DryRun = true
	plan, err := Apply(next, dry)
	if err != nil {
		t.Fatal(err)
	}
	steps := plan.Added + 2*plan.Changed + plan.Removed
	if counts(plan) != (Result{Added: 5, Changed: 2, Removed: 4}) {
		t.Fatalf("the run would be %+v; the test expects 5 adds, 2 changes, 4 removals", plan)
	}
	before := s.netState(tables...)
	for k := 0; k < steps; k++ {
		o := s.options()
		o.FailAt = &k
		if _, err := Apply(next, o); err == nil || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("step %d: want the injected failure, got %v", k, err)
		}
		if diff := cmp.Diff(before, s.netState(tables...)); diff != "" {
			t.Fatalf("failure at step %d of %d left the host changed (-before +after):\n%s", k, steps, diff)
		}
	}
	res, err := Apply(next, s.options())
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != counts(plan) {
		t.Errorf("the real run did %+v, the dry run said %+v", res, plan)
	}
	want := []string{
		"-4 0 from all table local",
		"-4 500 from 192.0.2.0/24 table 5",
		"-4 1007 from 10.7.0.12 table 7 proto " + vscProto,
		"-4 1009 from 198.51.100.0/24 table 9 proto " + vscProto,
		"-4 32766 from all table main",
		"-4 32767 from all table default",
		"-6 0 from all table local",
		"-6 1107 from 2001:db8:7::/64 table 7 proto " + vscProto,
		"-6 32766 from all table main",
	}
	if diff := cmp.Diff(want, s.ipRules()); diff != "" {
		t.Errorf("rules after the real run (-want +got):\n%s", diff)
	}
	want = []string{
		"192.0.2.0/24 via 10.7.0.254 dev eth0 proto boot",
		"2001:db8:100::/48 via 2001:db8:7::1 dev eth0 proto " + vscProto,
		"default via 10.7.0.3 dev eth0 proto " + vscProto,
	}
	if diff := cmp.Diff(want, s.ipRoutes(7)); diff != "" {
		t.Errorf("table 7 after the real run (-want +got):\n%s", diff)
	}
	if got := s.ipRoutes(8); len(got) != 0 {
		t.Errorf("table 8: %q, want it empty", got)
	}
	if diff := cmp.Diff([]string{"203.0.113.0/24 via 198.51.100.254 dev eth0 proto " + vscProto}, s.ipRoutes(9)); diff != "" {
		t.Errorf("table 9 after the real run (-want +got):\n%s", diff)
	}
	if _, err := Destroy(next, s.options()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withKernelRules([]string{"-4 500 from 192.0.2.0/24 table 5"}, nil), s.ipRules()); diff != "" {
		t.Errorf("rules after destroy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"192.0.2.0/24 via 10.7.0.254 dev eth0 proto boot"}, s.ipRoutes(7)); diff != "" {
		t.Errorf("table 7 after destroy (-want +got):\n%s", diff)
	}
}
