package compiler

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/internal/benchgen"
	"vsc/ir"
)

// compileAll checks a configuration and compiles every host, failing the
// test on any diagnostic: examples must be clean.
func compileAll(t *testing.T, dir string) []*ir.Plan {
	t.Helper()
	cfg, diags := diagnose(dir)
	for _, d := range diags {
		t.Errorf("%s: %v", dir, d)
	}
	if diags.HasErrors() {
		t.FailNow()
	}
	var plans []*ir.Plan
	for _, h := range cfg.Hosts {
		p, err := Compile(cfg, h.Name.V)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	return plans
}

// Every shipped example checks clean, compiles, verifies, and its plans
// match the golden files of testdata/plan (rewritten with -update).
func TestExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*")
	if len(dirs) == 0 {
		t.Fatal("no examples")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			for _, p := range compileAll(t, dir) {
				golden := filepath.Join("testdata/plan", filepath.Base(dir)+"."+p.Host+".txt")
				text := p.Text()
				if *update {
					os.MkdirAll("testdata/plan", 0o755)
					if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./compiler -update)", err)
				}
				if diff := cmp.Diff(string(want), text); diff != "" {
					t.Errorf("plan of %s differs from %s (-want +got):\n%s", p.Host, golden, diff)
				}
			}
		})
	}
}

// The same configuration compiles to byte-identical plans, and a plan
// survives its JSON form.
func TestPlanDeterministicAndRoundTrip(t *testing.T) {
	first := compileAll(t, "../examples/course")
	for i := 0; i < 5; i++ {
		again := compileAll(t, "../examples/course")
		for j := range first {
			if first[j].Text() != again[j].Text() {
				t.Fatal("text plan differs between two compilations")
			}
			a, _ := first[j].MarshalJSON()
			b, _ := again[j].MarshalJSON()
			if !bytes.Equal(a, b) {
				t.Fatal("JSON plan differs between two compilations")
			}
		}
	}
	for _, p := range first {
		data, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ir.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := ir.Verify(back); err != nil {
			t.Fatal(err)
		}
		if back.Text() != p.Text() {
			t.Error("plan changed through JSON")
		}
	}
}

// The guest start sequence comes out in the order of domain.md.
func TestStartSequence(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.vsc.hcl"), []byte(`
host "srv1" {
  interface "eth0" {}
}
guest "web" {
  context  = 300
  hostname = "web.example.org"
  build {
    method = "skeleton"
  }
  interface "0" {
    dev = "eth0"
    ip  = "192.168.1.10/24"
  }
  mount "/" {
    source = "/dev/vg/web"
    type   = "ext4"
  }
  rlimits {
    nofile = 1024
  }
  hooks {
    initialize   = ["echo init"]
    prepre_start = ["echo prepre"]
    pre_start    = ["echo pre"]
    post_start   = ["echo post"]
    pre_stop     = ["echo prestop"]
    post_stop    = ["echo poststop"]
  }
}
`), 0o644)
	plans := compileAll(t, dir)
	var got []string
	initID := -1
	for _, op := range plans[0].Ops {
		k := string(op.Body.Kind())
		switch b := op.Body.(type) {
		case *ir.HookRun:
			k += ":" + b.Phase
		case *ir.GuestMount:
			k += ":" + b.Target
		}
		got = append(got, k)
		if op.Owner != "guest.web" {
			t.Errorf("op %d owner %q", op.ID, op.Owner)
		}
		if _, ok := op.Body.(*ir.InitExec); ok {
			initID = op.ID
		}
		if k == "hook.run:pre_stop" {
			// The stop sequence starts from a started guest.
			if len(op.After) != 1 || op.After[0] != initID {
				t.Errorf("pre_stop hook after=%v, want [%d] (init.exec)", op.After, initID)
			}
			continue
		}
		if op.ID > 0 && (len(op.After) == 0 || op.After[len(op.After)-1] != op.ID-1) {
			t.Errorf("op %d (%s) does not come after the op before it: after=%v", op.ID, k, op.After)
		}
	}
	want := []string{
		"guest.build", "ns.new", "hook.run:initialize", "guest.mount:/", "hook.run:prepre_start",
		"addr.add", "guest.dev", "guest.mount:/proc", "guest.mount:/sys", "guest.mount:/tmp", "guest.mount:/dev/pts",
		"guest.mask", "hook.run:pre_start", "cgroup.set", "net.confine", "rlimit.set", "uts.set", "caps.drop",
		"seccomp.set", "init.exec",
		"hook.run:post_start", "hook.run:pre_stop", "hook.run:post_stop",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("start sequence (-want +got):\n%s", diff)
	}
}

// A table's rules come after every route of the table, and a gateway
// route after the connected route that reaches its gateway, through
// dependencies that grow with routes + rules, not with their product.
func TestRoutesLinear(t *testing.T) {
	const routes, rules = 300, 40
	var b bytes.Buffer
	b.WriteString("host \"h\" {\n  interface \"eth0\" {\n    addresses = [\"10.255.0.1/16\"]\n  }\n")
	for _, id := range []int{100, 101} {
		fmt.Fprintf(&b, "  table \"t%d\" {\n    id = %d\n", id, id)
		fmt.Fprintf(&b, "    route {\n      to  = \"10.%d.0.0/16\"\n      dev = \"eth0\"\n    }\n", id)
		for r := 0; r < routes; r++ {
			fmt.Fprintf(&b, "    route {\n      to  = \"172.%d.%d.%d/30\"\n      via = \"10.%d.0.1\"\n    }\n", id-84, r/64, r%64*4, id)
		}
		b.WriteString("  }\n")
	}
	for i := 0; i < rules; i++ {
		fmt.Fprintf(&b, "  rule {\n    from     = \"10.1.%d.0/24\"\n    table    = \"t%d\"\n    priority = %d\n  }\n", i, 100+i%2, 2000+i)
	}
	b.WriteString("}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.vsc.hcl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := diagnose(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, err := Compile(cfg, "h")
	if err != nil {
		t.Fatal(err)
	}
	edges := 0
	// before[i] is every op that op i comes after, directly or not.
	before := make([]map[int]bool, len(p.Ops))
	for i, op := range p.Ops {
		edges += len(op.After)
		before[i] = map[int]bool{}
		for _, a := range op.After {
			before[i][a] = true
			for x := range before[a] {
				before[i][x] = true
			}
		}
	}
	if max := 2 * len(p.Ops); edges > max {
		t.Errorf("%d dependencies for %d ops, more than %d", edges, len(p.Ops), max)
	}
	connected := map[int]int{} // table → its connected route
	for _, op := range p.Ops {
		if r, ok := op.Body.(*ir.RouteAdd); ok && r.Via == "" {
			connected[r.Table] = op.ID
		}
	}
	for _, op := range p.Ops {
		switch b := op.Body.(type) {
		case *ir.RouteAdd:
			if b.Via != "" && (!slices.Contains(op.After, connected[b.Table])) {
				t.Errorf("op %d (%s) is not after the connected route %d of its gateway: after=%v", op.ID, ir.BodyText(b), connected[b.Table], op.After)
			}
		case *ir.RuleAdd:
			for _, q := range p.Ops {
				if r, ok := q.Body.(*ir.RouteAdd); ok && r.Table == b.Table && !before[op.ID][q.ID] {
					t.Fatalf("op %d (%s) does not come after op %d (%s)", op.ID, ir.BodyText(b), q.ID, ir.BodyText(r))
				}
			}
		}
	}
}

// Guests lowered in chunks on several CPUs make the plan one CPU makes,
// op for op: every example (disk limits, mounts on host filesystems,
// isolated guests, VLANs) with one guest per chunk, and a generated host
// of 3,000 guests.
func TestParallelLowering(t *testing.T) {
	defer func(n int) { guestChunk = n }(guestChunk)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	gen := t.TempDir()
	if _, err := benchgen.Write(gen, benchgen.Options{Guests: 3000, GuestsPerHost: 3000}); err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob("../examples/*")
	for _, dir := range append(dirs, gen) {
		cfg, diags := diagnose(dir)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		for _, h := range cfg.Hosts {
			plan := func(chunk, cpus int) string {
				guestChunk = chunk
				runtime.GOMAXPROCS(cpus)
				p, err := Compile(cfg, h.Name.V)
				if err != nil {
					t.Fatal(err)
				}
				return p.Text()
			}
			serial := plan(512, 1)
			chunk := 1
			if dir == gen {
				chunk = 100
			}
			if diff := cmp.Diff(serial, plan(chunk, 4)); diff != "" {
				t.Errorf("%s, host %s: lowered in parallel, the plan differs (-serial +parallel):\n%s", dir, h.Name.V, diff)
			}
		}
	}
}
