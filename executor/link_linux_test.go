package executor

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/internal/kfeature"
	"vsc/ir"
)

// kernelHasVLAN tells whether the kernel makes 802.1Q links, by making
// one in a throwaway namespace.
func kernelHasVLAN(t *testing.T) bool { return kernelVLANMissing(t) == nil }

// kernelVLANMissing says why the kernel takes no VLAN link, nil if it does.
func kernelVLANMissing(t *testing.T) error {
	t.Helper()
	s := newSandbox(t)
	out, err := exec.Command("ip", "-n", s.ns, "link", "add", "link", "eth0", "name", "probe.7", "type", "vlan", "id", "7").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip link add type vlan: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// stubVLANSupport makes the executor see a kernel with (nil) or
// without 802.1Q, for one test.
func stubVLANSupport(t *testing.T, probe func() error) {
	old := vlanSupport
	vlanSupport = probe
	t.Cleanup(func() { vlanSupport = old })
}

// linkState is what a run may change in a sandbox, as `ip -j` prints it.
func (s *sandbox) linkState() string {
	s.t.Helper()
	return s.ip("-j", "-d", "link", "show") + s.netState(7)
}

func TestProbeVLAN(t *testing.T) {
	root := t.TempDir()
	dir := func(p ...string) string {
		d := filepath.Join(append([]string{root}, p...)...)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	file := func(name, data string) {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys, proc, mods := dir("sys"), filepath.Join(root, "proc-net-vlan"), dir("modules")
	if err := probeVLAN(sys, proc, mods); err == nil || !strings.Contains(err.Error(), "8021q") || !strings.Contains(err.Error(), "CONFIG_VLAN_8021Q") {
		t.Fatalf("no module anywhere: want the missing feature named, got %v", err)
	}
	file(filepath.Join(mods, "modules.dep"), "kernel/net/8021q-not/x.ko:\nkernel/drivers/net/dummy.ko.zst:\n")
	if err := probeVLAN(sys, proc, mods); err == nil {
		t.Fatal("modules.dep without 8021q: want an error")
	}
	for name, setup := range map[string]func(){
		"loaded":       func() { dir("sys", "8021q") },
		"proc":         func() { dir("proc-net-vlan") },
		"in the tree":  func() { file(filepath.Join(dir("modules", "kernel", "net", "8021q"), "8021q.ko.xz"), "") },
		"modules.dep":  func() { file(filepath.Join(mods, "modules.dep"), "updates/8021q.ko.zst: kernel/net/802/garp.ko\n") },
		"built in":     func() { file(filepath.Join(mods, "modules.builtin"), "kernel/net/8021q/8021q.ko\n") },
		"modules.dep2": func() { file(filepath.Join(mods, "modules.dep"), "kernel/net/8021q/8021q.ko:\n") },
	} {
		os.RemoveAll(root)
		sys, mods = dir("sys"), dir("modules")
		setup()
		if err := probeVLAN(sys, proc, mods); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// On a kernel without 802.1Q, a plan with a VLAN stops before anything
// is touched and names the missing feature; a kernel with it is made to
// look without it.
func TestLinkNoVLANSupport(t *testing.T) {
	s := routeSandbox(t)
	if vlanSupport() == nil {
		stubVLANSupport(t, func() error { return probeVLAN(t.TempDir(), "/nonexistent", t.TempDir()) })
	}
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7},
		&ir.AddrAdd{Dev: "eth0.7", Address: "10.70.0.2/16", Label: "eth0.7:web"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RuleAdd{From: "192.0.2.10/32", Table: 7, Priority: 1007},
	)
	before := s.linkState()
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "802.1Q") || !strings.Contains(err.Error(), "modprobe 8021q") {
		t.Fatalf("want the missing kernel feature named before any change, got %v", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "link.add name=eth0.7") || !strings.Contains(err.Error(), "test.vsc.hcl:2:1") {
		t.Errorf("the error must name the op and its origin: %v", err)
	}
	if diff := cmp.Diff(before, s.linkState()); diff != "" {
		t.Fatalf("the host must be untouched (-before +after):\n%s", diff)
	}
	// Nothing was recorded either: destroy has nothing to do.
	if res, err := Destroy(p, s.options()); err != nil || !res.Empty() {
		t.Fatalf("destroy after the refused apply: %+v %v", res, err)
	}
}

// Were the probe wrong, the kernel's own refusal ("Unknown device type",
// EOPNOTSUPP) comes at the link's step and what came before is undone.
func TestLinkKernelWithout8021q(t *testing.T) {
	if kernelHasVLAN(t) {
		t.Skip("SKIP: the kernel has 8021q (VLAN) support: it would accept the link")
	}
	s := routeSandbox(t)
	stubVLANSupport(t, func() error { return nil })
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.RuleAdd{From: "192.0.2.10/32", Table: 7, Priority: 1007},
		&ir.LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7},
	)
	before := s.linkState()
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "cannot create link.add name=eth0.7") || !strings.Contains(err.Error(), "EOPNOTSUPP") || !strings.Contains(err.Error(), "Rolled back 2 change") {
		t.Fatalf("want the kernel's refusal and a rollback, got %v", err)
	}
	t.Log(err)
	if diff := cmp.Diff(before, s.linkState()); diff != "" {
		t.Fatalf("the host must be as it was (-before +after):\n%s", diff)
	}
}

// A VLAN on a missing parent is refused before the first change.
func TestLinkMissingParent(t *testing.T) {
	s := newSandbox(t)
	stubVLANSupport(t, func() error { return nil })
	p := testPlan(t,
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.LinkAdd{Name: "eth9.7", Type: "vlan", Link: "eth9", VlanID: 7},
	)
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), `no parent link "eth9"`) {
		t.Fatalf("want a precheck error naming eth9, got %v", err)
	}
	if got := s.addrs(); len(got) != 0 {
		t.Fatalf("addresses: %q, want none", got)
	}
}

// A link of another type with the VLAN's name is another object, in the
// way, whatever the kernel supports.
func TestLinkForeignInTheWay(t *testing.T) {
	s := newSandbox(t)
	s.ip("link", "add", "eth0.7", "type", "veth", "peer", "name", "peer7")
	p := testPlan(t, &ir.LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7})
	before := s.ip("-j", "-d", "link", "show")
	_, err := Apply(p, s.options())
	if err == nil || !strings.Contains(err.Error(), "in the way") || !strings.Contains(err.Error(), "type=veth") {
		t.Fatalf("want an 'in the way' error naming the veth, got %v", err)
	}
	t.Log(err)
	if diff := cmp.Diff(before, s.ip("-j", "-d", "link", "show")); diff != "" {
		t.Fatalf("no link may change (-before +after):\n%s", diff)
	}
}

// vlanLink reads a link back: "PARENT ID ALIAS UP|DOWN", or "" when it
// does not exist.
func (s *sandbox) vlanLink(name string) string {
	s.t.Helper()
	out, err := exec.Command("ip", "-j", "-d", "-n", s.ns, "link", "show", "dev", name).Output()
	if err != nil {
		return ""
	}
	var l []map[string]any
	if err := json.Unmarshal(out, &l); err != nil || len(l) != 1 {
		s.t.Fatalf("ip -j link show dev %s: %v %s", name, err, out)
	}
	info, _ := l[0]["linkinfo"].(map[string]any)
	data, _ := info["info_data"].(map[string]any)
	state := "DOWN"
	for _, f := range l[0]["flags"].([]any) {
		if f == "UP" {
			state = "UP"
		}
	}
	var fields []string
	for _, v := range []any{info["info_kind"], l[0]["link"], data["id"], l[0]["ifalias"], state} {
		if v == nil {
			v = "-"
		}
		fields = append(fields, fmt.Sprint(v))
	}
	return strings.Join(fields, " ")
}

func TestVLANApplyChangeDestroy(t *testing.T) {
	kfeature.Need(t, "VLAN (8021q)", kernelVLANMissing(t))
	s := newSandbox(t)
	o := s.options()
	p1 := testPlan(t,
		&ir.LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7},
		&ir.LinkAdd{Name: "eth1.8", Type: "vlan", Link: "eth1", VlanID: 8},
		&ir.AddrAdd{Dev: "eth0.7", Address: "10.7.0.2/16", Label: "eth0.7:web"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RuleAdd{From: "10.7.0.2/32", Table: 7, Priority: 1007},
	)
	res, err := Apply(p1, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Added: 5}) {
		t.Errorf("first apply: %+v", res)
	}
	if got, want := s.vlanLink("eth0.7"), "vlan eth0 7 "+linkAlias+" UP"; got != want {
		t.Errorf("eth0.7 reads %q, want %q", got, want)
	}
	if got, want := s.vlanLink("eth1.8"), "vlan eth1 8 "+linkAlias+" UP"; got != want {
		t.Errorf("eth1.8 reads %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"default via 10.7.0.1 dev eth0.7 proto " + vscProto}, s.ipRoutes(7)); diff != "" {
		t.Errorf("table 7 (-want +got):\n%s", diff)
	}

	if res, err := Apply(p1, o); err != nil || !res.Empty() {
		t.Fatalf("second apply: %+v %v", res, err)
	}

	// eth1.8 becomes id 9 (replaced); eth0.7 and what depends on it are
	// dropped (removed).
	p2 := testPlan(t, &ir.LinkAdd{Name: "eth1.8", Type: "vlan", Link: "eth1", VlanID: 9})
	res, err = Apply(p2, o)
	if err != nil {
		t.Fatal(err)
	}
	if counts(res) != (Result{Changed: 1, Removed: 4}) {
		t.Errorf("change: %+v", res)
	}
	if got := s.vlanLink("eth0.7"); got != "" {
		t.Errorf("eth0.7 still there: %q", got)
	}
	if got, want := s.vlanLink("eth1.8"), "vlan eth1 9 "+linkAlias+" UP"; got != want {
		t.Errorf("eth1.8 reads %q, want %q", got, want)
	}

	// A VLAN made by hand is not vsc's: destroy leaves it.
	s.ip("link", "add", "link", "eth0", "name", "eth0.5", "type", "vlan", "id", "5")
	if res, err := Destroy(p2, o); err != nil || counts(res) != (Result{Removed: 1}) {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if got := s.vlanLink("eth1.8"); got != "" {
		t.Errorf("eth1.8 still there: %q", got)
	}
	if got := s.vlanLink("eth0.5"); !strings.HasPrefix(got, "vlan eth0 5") {
		t.Errorf("the host's own VLAN is gone: %q", got)
	}
}
