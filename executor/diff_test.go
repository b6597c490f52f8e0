package executor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// describe lists a run's actions as the review shows them.
func describe(acts []*action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, string(a.verb)+" "+ir.BodyText(a.op().Body))
	}
	return out
}

// Replacing a VLAN (its id changed) takes the addresses and routes on it
// with it: vsc's own are removed before and added back after, as steps of
// their own (so a rollback restores them); a foreign one stops the run.
// Pure diff, no kernel: this kernel has no 802.1Q to try it for real.
func TestDiffReplacedLinkDependents(t *testing.T) {
	link := func(id int) *ir.LinkAdd { return &ir.LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: id} }
	addr := &ir.AddrAdd{Dev: "eth0.7", Address: "10.7.0.2/16", Label: "eth0.7:web"}
	route := &ir.RouteAdd{Table: 7, To: "10.7.0.0/16", Dev: "eth0.7"}
	want := testPlan(t, link(8), addr, route).Ops
	rec := newRecord("test", 0)
	lives := map[string]live{}
	for _, b := range []ir.Body{link(7), addr, route} {
		rec.put(&ir.Op{Owner: ir.OwnerHost, Origin: "old.vsc.hcl:1:1", Body: b})
		lives[keyOf(b)] = live{body: b, marked: b.Kind() != ir.KindAddrAdd}
	}
	h := &Host{}
	acts, _, err := h.diff(want, rec, lives, true)
	if err != nil {
		t.Fatal(err)
	}
	wantActs := []string{
		"- route.add table=7 to=10.7.0.0/16 dev=eth0.7",
		"- addr.add dev=eth0.7 address=10.7.0.2/16 label=eth0.7:web",
		"~ link.add name=eth0.7 type=vlan link=eth0 vlan_id=8",
		"+ addr.add dev=eth0.7 address=10.7.0.2/16 label=eth0.7:web",
		"+ route.add table=7 to=10.7.0.0/16 dev=eth0.7",
	}
	if diff := cmp.Diff(wantActs, describe(acts)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}

	// A foreign address on the link: replacing it would delete it.
	foreign := &ir.AddrAdd{Dev: "eth0.7", Address: "10.7.0.99/16", Label: "eth0.7"}
	lives[keyOf(foreign)] = live{body: foreign}
	_, _, err = h.diff(want, rec, lives, true)
	if err == nil || !strings.Contains(err.Error(), "replacing link eth0.7 would delete addr.add dev=eth0.7 address=10.7.0.99/16") {
		t.Fatalf("want a refusal naming the foreign address, got %v", err)
	}
}
