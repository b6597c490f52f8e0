package executor

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// ipTable is `ip -j -n NS FAMILY route show table N`, one line: "[]"
// for an empty table and for one the kernel has never had, which ip
// reports as an error (a table, once made, stays when emptied).
func (s *sandbox) ipTable(family string, table int) string {
	s.t.Helper()
	args := []string{"-j", "-n", s.ns, family, "route", "show", "table", fmt.Sprint(table)}
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "FIB table does not exist") {
			return "[]\n"
		}
		s.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)) + "\n"
}

// ipRoutes lists the routes of a table, both families, as ip reads them:
// "DST [via GW] dev DEV proto PROTO".
func (s *sandbox) ipRoutes(table int) []string {
	s.t.Helper()
	var out []string
	for _, fam := range []string{"-4", "-6"} {
		var routes []map[string]any
		if err := json.Unmarshal([]byte(s.ipTable(fam, table)), &routes); err != nil {
			s.t.Fatalf("ip -j route show table %d: %v", table, err)
		}
		for _, r := range routes {
			line := fmt.Sprint(r["dst"])
			if gw, ok := r["gateway"]; ok {
				line += fmt.Sprintf(" via %v", gw)
			}
			proto, ok := r["protocol"]
			if !ok {
				proto = "boot" // ip leaves out the protocol routes have by default
			}
			line += fmt.Sprintf(" dev %v proto %v", r["dev"], proto)
			out = append(out, line)
		}
	}
	return sorted(out)
}

// routeSandbox is a sandbox whose links have addresses, so that
// gateways are reachable: 10.7.0.0/16 and 2001:db8:7::/64 on eth0,
// 10.8.0.0/16 on eth1.
func routeSandbox(t *testing.T) *sandbox {
	s := newSandbox(t)
	s.ip("addr", "add", "10.7.0.2/16", "dev", "eth0")
	s.ip("addr", "add", "2001:db8:7::2/64", "dev", "eth0", "nodad")
	s.ip("addr", "add", "10.8.0.2/16", "dev", "eth1")
	return s
}

// vscProto is how `ip -j` shows vsc's protocol (it has no name in
// iproute2's rt_protos).
var vscProto = fmt.Sprint(vscProtocol)

func TestRouteApplyChangeDestroy(t *testing.T) {
	s := routeSandbox(t)
	o := s.options()
	// The host's own route in the same table: it must survive.
	s.ip("route", "add", "192.0.2.0/24", "via", "10.7.0.254", "table", "7")

	p1 := testPlan(t,
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RouteAdd{Table: 7, To: "198.51.100.0/24", Dev: "eth1"},
		&ir.RouteAdd{Table: 7, To: "2001:db8:100::/48", Via: "2001:db8:7::1", Dev: "eth0"},
		&ir.RouteAdd{Table: 1000, To: "0.0.0.0/0", Via: "10.8.0.1"},
	)
	res, err := Apply(p1, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 4}) {
		t.Errorf("first apply: %+v", res)
	}
	want7 := []string{
		"192.0.2.0/24 via 10.7.0.254 dev eth0 proto boot",
		"198.51.100.0/24 dev eth1 proto " + vscProto,
		"2001:db8:100::/48 via 2001:db8:7::1 dev eth0 proto " + vscProto,
		"default via 10.7.0.1 dev eth0 proto " + vscProto,
	}
	if diff := cmp.Diff(want7, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after apply (-want +got):\n%s", diff)
	}
	want1000 := []string{"default via 10.8.0.1 dev eth1 proto " + vscProto}
	if diff := cmp.Diff(want1000, s.ipRoutes(1000)); diff != "" {
		t.Fatalf("table 1000 after apply (-want +got):\n%s", diff)
	}
	// The dev-only route is scope link, as ip(8) makes it.
	for _, r := range s.ipJSON("route", "show", "table", "7", "198.51.100.0/24") {
		if r["scope"] != "link" {
			t.Errorf("dev-only route: scope %v, want link", r["scope"])
		}
	}

	var out strings.Builder
	o.Out = &out
	res, err = Apply(p1, o)
	if err != nil || !res.Empty() || !strings.Contains(out.String(), "No changes.") {
		t.Fatalf("second apply: %+v %v %q", res, err, out.String())
	}

	// The default route's gateway changes (replaced), the dev-only route
	// and table 1000's route are dropped (removed).
	p2 := testPlan(t,
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.3"},
		&ir.RouteAdd{Table: 7, To: "2001:db8:100::/48", Via: "2001:db8:7::1", Dev: "eth0"},
	)
	out.Reset()
	res, err = Apply(p2, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Changed: 1, Removed: 2}) {
		t.Errorf("change: %+v\n%s", res, out.String())
	}
	if !strings.Contains(out.String(), "~ route.add table=7 to=default via=10.7.0.3") {
		t.Errorf("the review does not show the replacement:\n%s", out.String())
	}
	want7 = []string{
		"192.0.2.0/24 via 10.7.0.254 dev eth0 proto boot",
		"2001:db8:100::/48 via 2001:db8:7::1 dev eth0 proto " + vscProto,
		"default via 10.7.0.3 dev eth0 proto " + vscProto,
	}
	if diff := cmp.Diff(want7, s.ipRoutes(7)); diff != "" {
		t.Fatalf("table 7 after change (-want +got):\n%s", diff)
	}
	if got := s.ipRoutes(1000); len(got) != 0 {
		t.Fatalf("table 1000 after change: %q, want it empty", got)
	}

	res, err = Destroy(p2, o)
	if err != nil || counts(res) != (Result{Removed: 2}) {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	want7 = []string{"192.0.2.0/24 via 10.7.0.254 dev eth0 proto boot"}
	if diff := cmp.Diff(want7, s.ipRoutes(7)); diff != "" {
		t.Fatalf("after destroy, only the host's own route stays (-want +got):\n%s", diff)
	}
}

// A foreign route with the key of one the plan wants (its table and
// destination), but another gateway, stops the run before anything
// changes.
func TestRouteForeignInTheWay(t *testing.T) {
	s := routeSandbox(t)
	s.ip("route", "add", "default", "via", "10.7.0.254", "table", "7")
	before := s.ipRoutes(7)
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.RouteAdd{Table: 7, To: "198.51.100.0/24", Via: "10.7.0.1"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
	)
	addrs := s.addrs()
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "in the way") || !strings.Contains(err.Error(), "via=10.7.0.254") {
		t.Fatalf("want an 'in the way' error naming the foreign route, got %v", err)
	}
	if diff := cmp.Diff(before, s.ipRoutes(7)); diff != "" {
		t.Fatalf("no route may change (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(addrs, s.addrs()); diff != "" {
		t.Fatalf("no address may change (-before +after):\n%s", diff)
	}
}

// A foreign route identical to one the plan wants is left as it is:
// nothing to do, and destroy leaves it, since vsc did not make it.
func TestRouteForeignIdenticalStays(t *testing.T) {
	s := routeSandbox(t)
	s.ip("route", "add", "default", "via", "10.7.0.1", "table", "7")
	p := testPlan(t, &ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1", Dev: "eth0"})
	res, err := Apply(p, s.options())
	if err != nil || !res.Empty() {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if res, err := Destroy(p, s.options()); err != nil || !res.Empty() {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if diff := cmp.Diff([]string{"default via 10.7.0.1 dev eth0 proto boot"}, s.ipRoutes(7)); diff != "" {
		t.Fatalf("the foreign route must stay (-want +got):\n%s", diff)
	}
}

// A route to a missing link is refused before the first change.
func TestRouteMissingDev(t *testing.T) {
	s := routeSandbox(t)
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.RouteAdd{Table: 7, To: "198.51.100.0/24", Dev: "eth9"},
	)
	addrs := s.addrs()
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), `no link "eth9"`) {
		t.Fatalf("want a precheck error naming eth9, got %v", err)
	}
	if diff := cmp.Diff(addrs, s.addrs()); diff != "" {
		t.Fatalf("no address may change (-before +after):\n%s", diff)
	}
}

// A gateway nothing puts on a link stops the run before any change; an
// address the same plan adds first makes it reachable.
func TestRouteUnreachableGateway(t *testing.T) {
	s := routeSandbox(t)
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "203.0.113.1"},
	)
	addrs := s.addrs()
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "gateway 203.0.113.1 is not reachable") {
		t.Fatalf("want the precheck to refuse the gateway, got %v", err)
	}
	if diff := cmp.Diff(addrs, s.addrs()); diff != "" {
		t.Fatalf("the host must be as it was (-before +after):\n%s", diff)
	}
	if got := s.ipRoutes(7); len(got) != 0 {
		t.Fatalf("table 7: %q, want it empty", got)
	}
	// An address the plan adds makes the gateway reachable: the precheck
	// knows it will be there, and the kernel accepts the route.
	p = testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "203.0.113.10/24", Label: "eth0:web"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "203.0.113.1"},
	)
	if _, err := Apply(p, s.options()); err != nil {
		t.Fatal(err)
	}
}

// A route vsc made and an admin then replaced (it lost vsc's protocol) is
// no longer vsc's: a plan that changes it stops before any change, and a
// destroy leaves it.
func TestRouteReplacedByHandIsNotOurs(t *testing.T) {
	s := routeSandbox(t)
	p := testPlan(t, &ir.RouteAdd{Table: 7, To: "10.9.0.0/16", Dev: "eth0"})
	if _, err := Apply(p, s.options()); err != nil {
		t.Fatal(err)
	}
	s.ip("route", "replace", "10.9.0.0/16", "dev", "eth1", "table", "7", "proto", "static")
	changed := testPlan(t, &ir.RouteAdd{Table: 7, To: "10.9.0.0/16", Dev: "eth0", Via: "10.7.0.1"})
	if _, err := Apply(changed, s.options()); err == nil || !strings.Contains(err.Error(), "in the way") {
		t.Fatalf("want 'in the way', got %v", err)
	}
	if _, err := Destroy(p, s.options()); err != nil {
		t.Fatal(err)
	}
	if got := s.ipRoutes(7); len(got) != 1 || !strings.Contains(got[0], "10.9.0.0/16") {
		t.Fatalf("table 7 = %q: the replaced route must survive destroy", got)
	}
}
