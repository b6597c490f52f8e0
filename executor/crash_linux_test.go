package executor

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

func init() {
	// Apply the plan of VSC_PLAN to VSC_NETNS with the state dir
	// VSC_STATE: the process a crash test kills, or a racing apply.
	children["apply"] = func() int {
		data, err := os.ReadFile(os.Getenv("VSC_PLAN"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		p, err := ir.Decode(data)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		o := Options{StateDir: os.Getenv("VSC_STATE"), NetNS: os.Getenv("VSC_NETNS"), Out: os.Stdout,
			Waiting: func(holder string) { fmt.Printf("waiting for %s\n", holder) }}
		if _, err := Apply(p, o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
}

// addrPlan is a plan of n guest addresses on eth0, from 10.(base).x.y.
func addrPlan(t *testing.T, n, base int) *ir.Plan {
	t.Helper()
	var bodies []ir.Body
	for i := 0; i < n; i++ {
		bodies = append(bodies, &ir.AddrAdd{Dev: "eth0", Address: fmt.Sprintf("10.%d.%d.%d/16", base, i/250, i%250+1), Label: fmt.Sprintf("eth0:g%d", i)})
	}
	return testPlan(t, bodies...)
}

func savePlanFile(t *testing.T, p *ir.Plan) string {
	t.Helper()
	data, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// vscAddrs lists the sandbox's addresses with a vsc alias label.
func (s *sandbox) vscAddrs() []string {
	var out []string
	for _, a := range s.addrs() {
		if strings.Contains(a, ":g") {
			out = append(out, a)
		}
	}
	return out
}

// An apply killed with SIGKILL at random points, then an apply that
// converges: the host ends exactly at the plan, and the record knows
// every object (a destroy leaves only the foreign address).
func TestCrashThenConverge(t *testing.T) {
	s := newSandbox(t)
	s.ip("addr", "add", "10.200.0.1/16", "dev", "eth0") // foreign
	first := addrPlan(t, 400, 1)
	second := addrPlan(t, 400, 2) // every address moves: 400 removals, 400 additions
	rng := rand.New(rand.NewPCG(1, 2))
	midRun := 0
	for round, p := range []*ir.Plan{first, second, first} {
		file := savePlanFile(t, p)
		for kill := 0; kill < 3; kill++ {
			cmd := child("apply", "VSC_PLAN="+file, "VSC_STATE="+s.stateDir, "VSC_NETNS="+s.ns)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			// Wait until the run has announced its changes (the journal is
			// written just before the first one), then let it go on for a
			// random while, shorter than a run of 400 changes in batches:
			// the kill lands among its changes whatever the machine's load.
			journal := filepath.Join(s.stateDir, "test", journalFile)
		announced:
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				select {
				case <-exited:
					break announced // too fast to catch: counted below
				default:
				}
				if st, err := os.Stat(journal); err == nil && st.Size() > 0 {
					break
				}
				time.Sleep(50 * time.Microsecond)
			}
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Microsecond)
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			if st, err := os.Stat(filepath.Join(s.stateDir, "test", journalFile)); err == nil && st.Size() > 0 {
				midRun++ // killed between its first and last change
			}
		}
		if _, err := Apply(p, s.options()); err != nil {
			t.Fatalf("round %d: apply after the kills: %v", round, err)
		}
		var want []string
		for _, op := range p.Ops {
			a := op.Body.(*ir.AddrAdd)
			want = append(want, "eth0 "+a.Address+" "+a.Label)
		}
		if diff := cmp.Diff(sorted(want), s.vscAddrs()); diff != "" {
			t.Fatalf("round %d: not converged (-want +got):\n%s", round, diff)
		}
		res, err := Apply(p, s.options())
		if err != nil || !res.Empty() {
			t.Fatalf("round %d: a second apply still changes %+v (%v)", round, res, err)
		}
	}
	t.Logf("%d of 9 kills landed in the middle of a run", midRun)
	if midRun == 0 {
		t.Error("no kill landed in the middle of a run: the test proved nothing")
	}
	if _, err := Destroy(first, s.options()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"eth0 10.200.0.1/16 eth0"}, s.addrs()); diff != "" {
		t.Fatalf("after destroy (-want +got):\n%s", diff)
	}
}

// Two applies at once never interleave: while one run holds the host's
// lock, another waits, says who holds it, and goes on once it is free.
func TestConcurrentApplies(t *testing.T) {
	s := newSandbox(t)
	file := savePlanFile(t, addrPlan(t, 300, 3))
	o := s.options()
	h, err := openHost("test", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	unlock, err := h.lock(nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := child("apply", "VSC_PLAN="+file, "VSC_STATE="+s.stateDir, "VSC_NETNS="+s.ns)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "waiting for pid ") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the second apply did not wait for the lock:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(s.vscAddrs()); n != 0 {
		t.Fatalf("the waiting apply changed the host: %d addresses", n)
	}
	unlock()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the second apply failed: %v\n%s", err, out.String())
	}
	if n := len(s.vscAddrs()); n != 300 {
		t.Errorf("%d addresses, want 300", n)
	}
}

// syncBuffer is a strings.Builder safe for a child's output and a test
// reading it at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
