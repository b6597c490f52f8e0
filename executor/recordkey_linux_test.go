package executor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// TestRecordKey checks the record.key shortcut: a run that leaves the
// record holding exactly its plan's objects says so, a later run of the
// same plan trusts it, and every other case reads the record as before,
// with the same outcome.
func TestRecordKey(t *testing.T) {
	s := newSandbox(t)
	dir := filepath.Join(s.stateDir, "test")
	keyFile := filepath.Join(dir, recordKeyFile)
	exists := func(name string) bool {
		_, err := os.Stat(name)
		return err == nil
	}
	first := addrPlan(t, 20, 1)
	o := s.options()
	o.PlanKey = "k1"
	if _, err := Apply(first, o); err != nil {
		t.Fatal(err)
	}
	h := &Host{stateDir: dir}
	if !h.recordIsPlan("k1") {
		t.Fatal("after a first apply, record.key does not vouch for the record")
	}
	if h.recordIsPlan("k2") {
		t.Fatal("record.key vouches for another plan")
	}
	// Converged, with the shortcut: nothing to do, record.key stays.
	if res, err := Apply(first, o); err != nil || !res.Empty() {
		t.Fatalf("re-apply: %+v %v", res, err)
	}
	if !h.recordIsPlan("k1") {
		t.Fatal("a converged re-apply lost record.key")
	}
	// An address removed by hand comes back, shortcut or not.
	s.ip("addr", "del", "10.1.0.5/16", "dev", "eth0")
	if res, err := Apply(first, o); err != nil || res.Added != 1 {
		t.Fatalf("re-apply after a manual removal: %+v %v", res, err)
	}
	// Another plan: the record is read, the old addresses go.
	second := addrPlan(t, 20, 2)
	o2 := s.options()
	o2.PlanKey = "k2"
	if res, err := Apply(second, o2); err != nil || res.Removed != 20 || res.Added != 20 {
		t.Fatalf("apply of another plan: %+v %v", res, err)
	}
	if !h.recordIsPlan("k2") || h.recordIsPlan("k1") {
		t.Fatal("record.key does not vouch for the second plan alone")
	}
	var want []string
	for _, op := range second.Ops {
		a := op.Body.(*ir.AddrAdd)
		want = append(want, "eth0 "+a.Address+" "+a.Label)
	}
	if diff := cmp.Diff(sorted(want), s.vscAddrs()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// A record.key that does not match the record file is ignored.
	os.WriteFile(keyFile, []byte("k2\n"+"00"+"\n"), 0o600)
	if h.recordIsPlan("k2") {
		t.Fatal("a record.key with the wrong digest was trusted")
	}
	if res, err := Apply(second, o2); err != nil || !res.Empty() {
		t.Fatalf("re-apply with a damaged record.key: %+v %v", res, err)
	}
	// Destroy rewrites the record: record.key goes.
	if _, err := Destroy(second, o2); err != nil {
		t.Fatal(err)
	}
	if exists(keyFile) {
		t.Fatal("record.key is left after destroy")
	}
	// A plan object that exists already, foreign: it is not recorded, so
	// the record does not hold all of the plan, and no record.key.
	s.ip("addr", "add", "10.1.0.1/16", "dev", "eth0", "label", "eth0:g0")
	if _, err := Apply(first, o); err != nil {
		t.Fatal(err)
	}
	if exists(keyFile) {
		t.Fatal("record.key written though a foreign object stands for one of the plan's")
	}
	if res, err := Destroy(first, o); err != nil || res.Removed != 19 {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if diff := cmp.Diff([]string{"eth0 10.1.0.1/16 eth0:g0"}, s.vscAddrs()); diff != "" {
		t.Fatalf("the foreign address must stay (-want +got):\n%s", diff)
	}
}
