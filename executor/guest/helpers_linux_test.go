package guest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vsc/compiler"
	"vsc/executor/build"
	"vsc/internal/testns"
	"vsc/ir"
	"vsc/lang"
)

// Guest tests run as root. Each has a state dir, guest roots and a
// network namespace of its own (for the guests' addresses), and its
// guests' cgroups below this process's own cgroup (a relative
// CgroupParent), all removed even when the test fails: a guest still
// running at the end is stopped, then killed. Results are read back with
// independent readers: /proc, ip -j, ps.

type sandbox struct {
	t        testing.TB
	dir      string // configurations, roots
	stateDir string
	netns    string
	parent   string // CgroupParent
	host     string
}

// needRoot skips a guest test, loudly, when it cannot run.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: guest test needs root (namespaces, mounts, cgroups)")
	}
	for _, tool := range []string{"ip", "ps"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: guest test needs %s to read results back", tool)
		}
	}
	if _, err := os.Stat(build.BusyboxPath); err != nil {
		t.Skipf("SKIP: guest test needs a static %s (Debian's busybox-static)", build.BusyboxPath)
	}
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	needRoot(t)
	ns, remove, err := testns.New("vsc-guest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	// The guests' cgroups go below one named after the namespace.
	s := &sandbox{t: t, dir: t.TempDir(), stateDir: t.TempDir(), host: "h", netns: ns, parent: ns}
	// Registered after the namespace's: runs before it is deleted.
	t.Cleanup(s.cleanup)
	return s
}

// with returns the sandbox for a subtest: its helpers fail t.
func (s *sandbox) with(t *testing.T) *sandbox {
	c := *s
	c.t = t
	return &c
}

func (s *sandbox) options() Options {
	return Options{StateDir: s.stateDir, NetNS: s.netns, CgroupParent: s.parent, Timeout: 5 * time.Second}
}

// cleanup stops what runs, then kills and removes whatever is left:
// the guests' processes, namespace files and cgroups, and the cgroup
// parent of the test.
func (s *sandbox) cleanup() {
	o := s.options()
	entries, _ := os.ReadDir(filepath.Join(s.stateDir, s.host, guestsDir))
	for _, e := range entries {
		dir := Dir(s.stateDir, s.host, e.Name())
		r, err := readRecord(dir)
		if err != nil {
			continue
		}
		s.t.Logf("cleanup: guest %s still has a record: stopping it", e.Name())
		if err := Stop(s.host, e.Name(), o); err != nil {
			s.t.Logf("cleanup: stop %s: %v", e.Name(), err)
		}
		if r.Supervisor.Alive() {
			unix.Kill(r.Supervisor.PID, unix.SIGKILL)
		}
		undo(r, dir)
	}
	_, hs, err := hierarchies()
	if err != nil {
		return
	}
	for _, d := range cgroupDirs(hs, s.parent, "") {
		sub, _ := os.ReadDir(d)
		for _, e := range sub {
			if e.IsDir() {
				removeCgroups([]string{filepath.Join(d, e.Name())}, 5*time.Second)
			}
		}
		unix.Rmdir(d)
	}
}

// template is the busybox template of the whole run, made once.
var template struct {
	once sync.Once
	file string
	err  error
}

// removeTemplate removes the template made for the run, if any.
func removeTemplate() {
	if template.file != "" {
		os.RemoveAll(filepath.Dir(template.file))
	}
}

// newRoot builds a guest root from the busybox template, as vsc build
// does, under the sandbox.
func (s *sandbox) newRoot(name string) string {
	s.t.Helper()
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "vsc-busybox-")
		if err != nil {
			template.err = err
			return
		}
		template.file = filepath.Join(dir, "busybox.tar")
		f, err := os.Create(template.file)
		if err != nil {
			template.err = err
			return
		}
		template.err = build.BusyboxTemplate(f)
		f.Close()
	})
	if template.err != nil {
		s.t.Fatal(template.err)
	}
	root := filepath.Join(s.dir, "roots", name)
	op := &ir.GuestBuild{Guest: name, Method: "template", Root: root, Archive: template.file}
	if err := build.Build(op, build.Options{}); err != nil {
		s.t.Fatal(err)
	}
	return root
}

// compile writes a configuration (ROOT_name in it becomes the root of
// guest name, built if missing) and compiles it.
func (s *sandbox) compile(config string) *ir.Plan {
	s.t.Helper()
	for _, f := range strings.Fields(config) {
		if i := strings.Index(f, "ROOT_"); i >= 0 {
			name := strings.Trim(f[i+len("ROOT_"):], `"`)
			root := filepath.Join(s.dir, "roots", name)
			if _, err := os.Stat(root); err != nil {
				s.newRoot(name)
			}
			config = strings.ReplaceAll(config, "ROOT_"+name+`"`, root+`"`)
		}
	}
	cfgDir := filepath.Join(s.dir, "cfg")
	os.MkdirAll(cfgDir, 0o755)
	if err := os.WriteFile(filepath.Join(cfgDir, "main.vsc.hcl"), []byte(config), 0o644); err != nil {
		s.t.Fatal(err)
	}
	cfg, diags := lang.Load(cfgDir, lang.Options{})
	if !diags.HasErrors() {
		diags = append(diags, compiler.Run(cfg)...)
	}
	if diags.HasErrors() {
		s.t.Fatalf("configuration: %s", diags.Error())
	}
	p, err := compiler.Compile(cfg, s.host)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// start starts a guest and fails the test if it does not start.
func (s *sandbox) start(p *ir.Plan, name string, o Options) *Record {
	s.t.Helper()
	begin := time.Now()
	r, err := Start(p, name, o)
	if err != nil {
		s.t.Fatalf("start %s: %v\nlog:\n%s", name, err, s.log(name))
	}
	s.t.Logf("start %s: %s (init %d)", name, time.Since(begin).Round(time.Microsecond), r.Init.PID)
	return r
}

func (s *sandbox) stop(name string) {
	s.t.Helper()
	begin := time.Now()
	if err := Stop(s.host, name, s.options()); err != nil {
		s.t.Fatalf("stop %s: %v\nlog:\n%s", name, err, s.log(name))
	}
	s.t.Logf("stop %s: %s", name, time.Since(begin).Round(time.Microsecond))
}

func (s *sandbox) log(name string) string {
	data, _ := os.ReadFile(filepath.Join(Dir(s.stateDir, s.host, name), logFile))
	return string(data)
}

// exec runs a command in a guest and returns its exit status and output.
func (s *sandbox) exec(name string, argv ...string) (int, string) {
	s.t.Helper()
	var out bytes.Buffer
	code, err := Exec(s.options(), s.host, name, argv, ExecOptions{}, nil, &out, &out)
	if err != nil {
		s.t.Fatalf("exec %s %v: %v", name, argv, err)
	}
	return code, out.String()
}

// execOK runs a command in a guest and fails the test unless it exits 0.
func (s *sandbox) execOK(name string, argv ...string) string {
	s.t.Helper()
	code, out := s.exec(name, argv...)
	if code != 0 {
		s.t.Fatalf("exec %s %v: exit %d\n%s", name, argv, code, out)
	}
	return out
}

// assertGone checks with independent readers that nothing of a guest
// recorded as r is left: no process with its init's pid, no cgroup
// folder, no mount under its state folder, no record.
func (s *sandbox) assertGone(name string, r *Record) {
	s.t.Helper()
	dir := Dir(s.stateDir, s.host, name)
	if r != nil && r.Init.PID != 0 {
		// A zombie has ended: only its parent has not reaped it yet.
		out, err := exec.Command("ps", "-o", "stat=,args=", "-p", strconv.Itoa(r.Init.PID)).Output()
		if st := strings.TrimSpace(string(out)); err == nil && st != "" && !strings.HasPrefix(st, "Z") {
			s.t.Errorf("guest %s: its init %d still runs: %s", name, r.Init.PID, st)
		}
	}
	if r != nil {
		for _, d := range r.Cgroups {
			if _, err := os.Stat(d); err == nil {
				s.t.Errorf("guest %s: cgroup %s is left", name, d)
			}
		}
	}
	_, hs, _ := hierarchies()
	for _, d := range cgroupDirs(hs, s.parent, name) {
		if _, err := os.Stat(d); err == nil {
			s.t.Errorf("guest %s: cgroup %s is left", name, d)
		}
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mi), dir) {
		s.t.Errorf("guest %s: mounts are left under %s:\n%s", name, dir, grepLines(string(mi), dir))
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err == nil {
		s.t.Errorf("guest %s: %s is left", name, recordFile)
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ownGuestProcesses lists the processes of vsc's guests that this test
// process started and are still there (not zombies): its children (the
// supervisors) and theirs (the inits), as "PID ARGS", read from /proc.
// Other test binaries running guests at the same time are not counted.
func ownGuestProcesses(t testing.TB) []string {
	t.Helper()
	parents := map[int]bool{os.Getpid(): true}
	var out []string
	for round := 0; round < 2; round++ {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || parents[pid] {
				continue
			}
			stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
			if len(f) < 2 || f[0] == "Z" {
				continue
			}
			ppid, _ := strconv.Atoi(f[1])
			args, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if parents[ppid] && bytes.Contains(args, []byte(ReexecCommand)) {
				parents[pid] = true
				out = append(out, e.Name()+" "+strings.ReplaceAll(string(bytes.TrimRight(args, "\x00")), "\x00", " "))
			}
		}
	}
	return slices.Compact(out)
}
