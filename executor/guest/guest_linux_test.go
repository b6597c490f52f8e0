package guest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const webConfig = `
host "h" {
  interface "eth0" {}
}

guest "web" {
  context = 300
  root    = "ROOT_web"
  nice    = 5
  uts {
    nodename   = "web.example"
    domainname = "example.org"
  }
  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "web"
  }
  rlimits {
    nofile = { soft = 1000, hard = 2000 }
  }
  capabilities {
    add = ["SYS_BOOT"]
  }
}
`

// TestGuest starts a busybox guest, looks at it from inside (vsc exec)
// and from the host (/proc, ip), stops it and checks that nothing of it
// is left, then starts it again.
func TestGuest(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	r := s.start(p, "web", s.options())
	init := strconv.Itoa(r.Init.PID)

	t.Run("names", func(t *testing.T) {
		s := s.with(t)
		if got := strings.TrimSpace(s.execOK("web", "hostname")); got != "web.example" {
			t.Errorf("hostname = %q, want web.example", got)
		}
		if got := strings.TrimSpace(s.execOK("web", "cat", "/proc/sys/kernel/domainname")); got != "example.org" {
			t.Errorf("domainname = %q, want example.org", got)
		}
		if host, _ := os.Hostname(); host == "web.example" {
			t.Errorf("the host's own name changed")
		}
	})
	t.Run("pid 1", func(t *testing.T) {
		s := s.with(t)
		want := "/bin/sh\x00/etc/init.d/rc\x003\x00"
		if got := s.execOK("web", "cat", "/proc/1/cmdline"); got != want {
			t.Errorf("inside, /proc/1/cmdline = %q, want %q", got, want)
		}
		status := readFile(t, "/proc/"+init+"/status")
		if !strings.Contains(status, "NSpid:\t"+init+"\t1\n") {
			t.Errorf("the init %s is not pid 1 of its namespace:\n%s", init, grepLines(status, "NSpid"))
		}
		if got := s.execOK("web", "sh", "-c", "echo $$"); strings.TrimSpace(got) == init {
			t.Errorf("a command in the guest sees a host pid: %s", got)
		}
	})
	t.Run("rlimits and nice", func(t *testing.T) {
		s := s.with(t)
		if got := s.execOK("web", "sh", "-c", "ulimit -n; ulimit -Hn"); got != "1000\n2000\n" {
			t.Errorf("inside, ulimit -n, -Hn = %q, want 1000, 2000", got)
		}
		if got := statField(t, s.execOK("web", "cat", "/proc/self/stat"), 19); got != "5" {
			t.Errorf("inside, nice = %s, want 5", got)
		}
		if got := statField(t, readFile(t, "/proc/"+init+"/stat"), 19); got != "5" {
			t.Errorf("the init's nice = %s, want 5", got)
		}
		if got := grepLines(readFile(t, "/proc/"+init+"/limits"), "Max open files"); !strings.Contains(got, "1000") || !strings.Contains(got, "2000") {
			t.Errorf("the init's limits: %s", got)
		}
	})
	t.Run("capabilities", func(t *testing.T) {
		s := s.with(t)
		for _, status := range []string{s.execOK("web", "cat", "/proc/self/status"), readFile(t, "/proc/"+init+"/status")} {
			bnd := capBnd(t, status)
			for _, c := range []int{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SYS_MODULE, unix.CAP_MKNOD} {
				if bnd&(1<<c) != 0 {
					t.Errorf("CapBnd %x has capability %d, dropped by default", bnd, c)
				}
			}
			for _, c := range []int{unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_SYS_BOOT} {
				if bnd&(1<<c) == 0 {
					t.Errorf("CapBnd %x lacks capability %d", bnd, c)
				}
			}
		}
	})
	t.Run("mounts", func(t *testing.T) {
		s := s.with(t)
		inside := s.execOK("web", "cat", "/proc/mounts")
		for _, m := range []string{" / ", " /proc proc ", " /tmp tmpfs ", " /dev/pts devpts "} {
			if !strings.Contains(inside, m) {
				t.Errorf("inside, /proc/mounts lacks %q:\n%s", m, inside)
			}
		}
		for _, host := range []string{"/sys/fs/cgroup", "/run/netns", s.stateDir} {
			if strings.Contains(inside, host) {
				t.Errorf("inside, the host's mount %s is visible:\n%s", host, inside)
			}
		}
		mi := readFile(t, "/proc/self/mountinfo")
		for _, m := range []string{r.Root + "/proc", r.Root + "/tmp", r.Root + "/dev/pts", " " + r.Root + " "} {
			if strings.Contains(mi, m) {
				t.Errorf("the guest's mount %s is visible on the host:\n%s", m, grepLines(mi, r.Root))
			}
		}
		ns := filepath.Join(Dir(s.stateDir, "h", "web"), nsDir)
		for _, k := range []string{"mnt", "uts", "ipc", "pid"} {
			if !strings.Contains(mi, " "+filepath.Join(ns, k)+" ") {
				t.Errorf("namespace file %s is not mounted", k)
			}
		}
	})
	t.Run("cgroups", func(t *testing.T) {
		s := s.with(t)
		want := "/" + s.parent + "/web\n"
		for _, cg := range []string{s.execOK("web", "cat", "/proc/self/cgroup"), readFile(t, "/proc/"+init+"/cgroup")} {
			n := strings.Count(cg, want)
			if n < 1 {
				t.Errorf("not in the guest's cgroup %s:\n%s", want, cg)
			}
		}
		for _, d := range r.Cgroups {
			procs := readFile(t, filepath.Join(d, "cgroup.procs"))
			if !strings.Contains(" "+strings.Join(strings.Fields(procs), " ")+" ", " "+init+" ") {
				t.Errorf("%s/cgroup.procs lacks the init %s: %q", d, init, procs)
			}
		}
	})
	t.Run("exit codes", func(t *testing.T) {
		s := s.with(t)
		if code, out := s.exec("web", "sh", "-c", "exit 7"); code != 7 {
			t.Errorf("sh -c 'exit 7' → %d, want 7 (%s)", code, out)
		}
		if code, out := s.exec("web", "no-such-command"); code != 127 || !strings.Contains(out, "not found") {
			t.Errorf("no-such-command → %d, want 127 (%s)", code, out)
		}
		if code, out := s.exec("web", "sh", "-c", "kill -TERM $$"); code != 128+15 {
			t.Errorf("killed by TERM → %d, want 143 (%s)", code, out)
		}
	})
	t.Run("address", func(t *testing.T) {
		s := s.with(t)
		if a := s.addrs(); !strings.Contains(a, "inet 192.0.2.10/24 ") || !strings.Contains(a, " eth0:web") {
			t.Errorf("the guest's address is missing: %s", a)
		}
	})
	t.Run("refused twice", func(t *testing.T) {
		s := s.with(t)
		if _, err := Start(p, "web", s.options()); err == nil || !strings.Contains(err.Error(), "running already") {
			t.Errorf("a second start: %v, want running already", err)
		}
	})

	s.stop("web")
	s.assertGone("web", r)
	if _, err := Exec(s.options(), "h", "web", []string{"true"}, ExecOptions{}, nil, nil, nil); !errors.Is(err, ErrNotRunning) {
		t.Errorf("exec in a stopped guest: %v", err)
	}
	if err := Stop("h", "web", s.options()); !errors.Is(err, ErrNotRunning) {
		t.Errorf("a second stop: %v", err)
	}
	// The address is host state, vsc apply's: a stop leaves it.
	if a := s.addrs(); !strings.Contains(a, "inet 192.0.2.10/24 ") {
		t.Errorf("stop removed the guest's address: %s", a)
	}

	r2 := s.start(p, "web", s.options())
	if r2.Init.PID == r.Init.PID {
		t.Errorf("started again with the same init %d", r.Init.PID)
	}
	s.execOK("web", "true")
	s.stop("web")
	s.assertGone("web", r2)
}

func (s *sandbox) addrs() string {
	return run(s.t, "ip", "-n", s.netns, "-o", "addr", "show", "dev", "eth0")
}

// TestHooks runs hooks at each phase, in the order of the start
// sequence, with the guest's variables, and stops from the record: hooks
// changed in the configuration after the start are not the ones run.
func TestHooks(t *testing.T) {
	s := newSandbox(t)
	logFile := filepath.Join(s.dir, "hooks.log")
	config := func(tag string) string {
		hook := func(phase, extra string) string {
			return fmt.Sprintf(`%s = [%q]`, phase, extra+"echo "+tag+" $VSC_PHASE $VSC_GUEST $VSC_CONTEXT $VSC_ROOT >> "+logFile)
		}
		addr := "ip -n " + s.netns + " -o addr show | grep -q 192.0.2.10"
		running := "grep -q " + filepath.Join(Dir(s.stateDir, "h", "web"), nsDir, "mnt") + " /proc/self/mountinfo"
		return strings.Replace(webConfig, "  nice    = 5\n", "  hooks {\n    "+strings.Join([]string{
			hook("initialize", "! "+addr+" && "),
			hook("prepre_start", "! "+addr+" && "),
			hook("pre_start", addr+" && "),
			hook("post_start", running+" && "),
			hook("pre_stop", running+" && "),
			hook("post_stop", "! "+running+" && "),
		}, "\n    ")+"\n  }\n", 1)
	}
	p := s.compile(config("started"))
	s.start(p, "web", s.options())
	root := filepath.Join(s.dir, "roots", "web")
	want := ""
	for _, phase := range []string{"initialize", "prepre_start", "pre_start", "post_start"} {
		want += "started " + phase + " web 300 " + root + "\n"
	}
	if got := readFile(t, logFile); got != want {
		t.Errorf("start hooks:\n%s\nwant:\n%s", got, want)
	}
	s.compile(config("edited")) // the configuration changes; the record does not
	s.stop("web")
	for _, phase := range []string{"pre_stop", "post_stop"} {
		want += "started " + phase + " web 300 " + root + "\n"
	}
	if got := readFile(t, logFile); got != want {
		t.Errorf("stop hooks:\n%s\nwant:\n%s", got, want)
	}
}

// TestFailedStart fails a start at each point of the sequence and checks
// that nothing of the guest is left.
func TestFailedStart(t *testing.T) {
	s := newSandbox(t)
	for _, tc := range []struct{ name, block, want string }{
		{"initialize", `hooks { initialize = ["echo failing; exit 1"] }`, `initialize hook "echo failing; exit 1" (`},
		{"prepre_start", `hooks { prepre_start = ["echo failing; exit 1"] }`, `prepre_start hook`},
		{"pre_start", `hooks { pre_start = ["echo failing; exit 1"] }`, `pre_start hook`},
		{"post_start", `hooks { post_start = ["echo failing; exit 1"] }`, `post_start hook`},
		{"mount", `mount "/data" {
    source  = "/no/such/folder"
    type    = "none"
    options = ["bind"]
  }`, "mount /data: bind source"},
		{"init", `init {
    style   = "plain"
    command = ["/no/such/init"]
  }`, "/no/such/init"},
		{"init exits", `init {
    style   = "plain"
    command = ["/bin/true"]
  }`, "ended"},
		{"rlimit", `nofile = { soft = 1000, hard = 999999999 }`, "rlimit nofile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.with(t)
			config := strings.Replace(webConfig, "  nice    = 5\n", "  "+tc.block+"\n", 1)
			if strings.HasPrefix(tc.block, "nofile") {
				config = strings.Replace(webConfig, "nofile = { soft = 1000, hard = 2000 }", tc.block, 1)
			}
			p := s.compile(config)
			r, err := Start(p, "web", s.options())
			if err == nil && tc.name == "init exits" {
				// The init may end just after the start is done: then the
				// guest ends as if halted.
				t.Logf("the init ended after the start")
				waitFor(t, "the guest to end", func() (*Record, bool) { return nil, !r.Supervisor.Alive() })
				s.assertGone("web", r)
				return
			}
			if err == nil {
				t.Fatalf("the start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(tc.name, "start") || tc.name == "initialize" {
				if !strings.Contains(err.Error(), "exit status 1") || !strings.Contains(err.Error(), "failing") {
					t.Errorf("error %q lacks the hook's status and output", err)
				}
			}
			t.Logf("%v", err)
			s.assertGone("web", nil)
			if left := ownGuestProcesses(t); len(left) > 0 {
				t.Errorf("a guest process is left:\n%s", strings.Join(left, "\n"))
			}
		})
	}
	// After all that, the guest still starts.
	r := s.start(s.compile(webConfig), "web", s.options())
	s.stop("web")
	s.assertGone("web", r)
}

// TestReboot reboots the guest from inside: its reboot action decides.
func TestReboot(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)

	t.Run("restart", func(t *testing.T) {
		s := s.with(t)
		o := s.options()
		o.Reboot = "restart"
		r := s.start(p, "web", o)
		s.exec("web", "busybox", "reboot", "-f")
		r2 := waitFor(t, "a new init", func() (*Record, bool) {
			r2, err := readRecord(Dir(s.stateDir, "h", "web"))
			return r2, err == nil && r2.Init.PID != r.Init.PID && r2.running()
		})
		if r2.Restarts != 1 || r2.Supervisor != r.Supervisor {
			t.Errorf("after a reboot: restarts %d, supervisor %v, want 1, %v", r2.Restarts, r2.Supervisor, r.Supervisor)
		}
		if r.Init.Alive() {
			t.Errorf("the old init %d still runs", r.Init.PID)
		}
		if got := strings.TrimSpace(s.execOK("web", "hostname")); got != "web.example" {
			t.Errorf("after a restart, hostname = %q", got)
		}
		s.stop("web")
		s.assertGone("web", r2)
	})
	t.Run("halt", func(t *testing.T) {
		s := s.with(t)
		o := s.options()
		o.Reboot = "halt"
		r := s.start(p, "web", o)
		s.exec("web", "busybox", "reboot", "-f")
		waitFor(t, "the guest to stop", func() (*Record, bool) {
			_, err := os.Stat(filepath.Join(Dir(s.stateDir, "h", "web"), recordFile))
			return nil, errors.Is(err, os.ErrNotExist) && !r.Supervisor.Alive()
		})
		s.assertGone("web", r)
	})
	t.Run("no SYS_BOOT", func(t *testing.T) {
		s := s.with(t)
		o := s.options()
		o.Reboot = "restart"
		r := s.start(s.compile(strings.Replace(webConfig, `add = ["SYS_BOOT"]`, `add = []`, 1)), "web", o)
		if code, _ := s.exec("web", "busybox", "reboot", "-f"); code == 0 {
			t.Errorf("reboot without CAP_SYS_BOOT succeeded")
		}
		time.Sleep(100 * time.Millisecond)
		if !r.Init.Alive() {
			t.Errorf("the guest rebooted without CAP_SYS_BOOT")
		}
		s.stop("web")
		s.assertGone("web", r)
	})
}

func waitFor(t *testing.T, what string, f func() (*Record, bool)) *Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, ok := f()
		if ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const twoGuests = webConfig + `
guest "db" {
  context = 301
  root    = "ROOT_db"
  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.11/24"
    name = "db"
  }
}
`

// TestStatusAndExecAll reports running and stopped guests, and runs a
// command in every running guest.
func TestStatusAndExecAll(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(twoGuests)
	r := s.start(p, "web", s.options())
	list, err := List(p, "", s.options())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(map[string]any{"guests": list})
	want := fmt.Sprintf(`{"guests":[`+
		`{"name":"web","state":"running","pid":%d,"context":300,"addresses":["192.0.2.10/24"],"disk_used_kib":null},`+
		`{"name":"db","state":"stopped","pid":null,"context":301,"addresses":["192.0.2.11/24"],"disk_used_kib":null}]}`, r.Init.PID)
	if string(got) != want {
		t.Errorf("status:\n%s\nwant:\n%s", got, want)
	}
	// Without a configuration: the guests with a state folder.
	list, err = List(nil, "", s.options())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "web" || list[0].State != Running || list[0].Context != 300 {
		t.Errorf("status without a configuration: %+v", list)
	}

	r2 := s.start(p, "db", s.options())
	var stdout, stderr bytes.Buffer
	res, err := ExecAll(s.options(), "", []string{"sh", "-c", `hostname; echo to stderr >&2; test "$(hostname)" = web.example || exit 3`}, ExecOptions{}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "db: db\nweb: web.example\n"; got != want {
		t.Errorf("exec --all stdout:\n%s\nwant:\n%s", got, want)
	}
	if got, want := stderr.String(), "db: to stderr\nweb: to stderr\n"; got != want {
		t.Errorf("exec --all stderr:\n%s\nwant:\n%s", got, want)
	}
	if len(res) != 2 || res[0].Name != "db" || res[0].Code != 3 || res[1].Name != "web" || res[1].Code != 0 {
		t.Errorf("exec --all results: %+v", res)
	}
	s.stop("db")
	s.stop("web")
	s.assertGone("db", r2)
	s.assertGone("web", r)
	list, _ = List(p, "", s.options())
	for _, g := range list {
		if g.State != Stopped || g.PID != nil {
			t.Errorf("after stop: %+v", g)
		}
	}
}

// TestVariants starts guests that differ from the default: no namespace
// cleanup (chroot), no init, a time namespace, cgroup limits.
func TestVariants(t *testing.T) {
	s := newSandbox(t)
	variant := func(t *testing.T, block string) *Record {
		t.Helper()
		s := s.with(t)
		config := webConfig
		if i := strings.Index(block, "  rlimits {"); i >= 0 {
			// One rlimits block per guest: the variant's replaces the default.
			config = strings.Replace(config, "nofile = { soft = 1000, hard = 2000 }", strings.TrimSuffix(strings.TrimSpace(block[i+len("  rlimits {"):]), "}"), 1)
			block = block[:i]
		}
		return s.start(s.compile(strings.Replace(config, "  nice    = 5\n", "  "+block+"\n", 1)), "web", s.options())
	}
	t.Run("chroot", func(t *testing.T) {
		s := s.with(t)
		r := variant(t, "namespace {\n    cleanup = false\n  }")
		if r.Pivoted {
			t.Errorf("pivoted without namespace cleanup")
		}
		if got := strings.TrimSpace(s.execOK("web", "cat", "/etc/init.d/rc")); !strings.Contains(got, "vsc's busybox guest") {
			t.Errorf("exec is not in the guest's root: %s", got)
		}
		if got := strings.TrimSpace(s.execOK("web", "hostname")); got != "web.example" {
			t.Errorf("hostname = %q", got)
		}
		s.stop("web")
		s.assertGone("web", r)
	})
	t.Run("no init", func(t *testing.T) {
		s := s.with(t)
		r := variant(t, "init {\n    style = \"none\"\n  }")
		if got := s.execOK("web", "cat", "/proc/1/cmdline"); got != "vsc\x00__guest\x00init\x00web\x00" {
			t.Errorf("pid 1 = %q, want vsc's own", got)
		}
		s.stop("web")
		s.assertGone("web", r)
	})
	t.Run("virt_uptime", func(t *testing.T) {
		s := s.with(t)
		r := variant(t, `flags = ["virt_uptime"]`)
		inside := uptime(t, s.execOK("web", "cat", "/proc/uptime"))
		host := uptime(t, readFile(t, "/proc/uptime"))
		if inside > 5 || host-inside < 1 && host > 10 {
			t.Errorf("uptime inside %.2f s, on the host %.2f s: want about 0 inside", inside, host)
		}
		s.stop("web")
		s.assertGone("web", r)
	})
	t.Run("cgroup limits", func(t *testing.T) {
		s := s.with(t)
		r := variant(t, `cpuset {
    cpus = "0"
    mems = "0"
  }
  sched {
    fill_rate = 1
    interval  = 4
  }
  rlimits {
    nproc = 50
    rss   = "64MiB"
  }`)
		v2, hs, err := hierarchies()
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{"cpuset.cpus": "0", "cpuset.mems": "0", "pids.max": "50"}
		if v2 {
			files["cpu.max"], files["memory.max"] = "25000 100000", "67108864"
		} else {
			files["cpu.cfs_quota_us"], files["cpu.cfs_period_us"], files["memory.limit_in_bytes"] = "25000", "100000", "67108864"
		}
		for file, want := range files {
			found := false
			for _, d := range cgroupDirs(hs, s.parent, "web") {
				if data, err := os.ReadFile(filepath.Join(d, file)); err == nil {
					found = true
					if got := strings.TrimSpace(string(data)); got != want {
						t.Errorf("%s/%s = %q, want %q", d, file, got, want)
					}
				}
			}
			if !found {
				t.Errorf("no cgroup of the guest has %s", file)
			}
		}
		s.stop("web")
		s.assertGone("web", r)
	})
}

func uptime(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.Fields(s)[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestSupervisorDies kills the supervisor: the guest dies with it, and
// the next stop or start undoes what it left.
func TestSupervisorDies(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	for _, next := range []string{"stop", "start"} {
		t.Run(next, func(t *testing.T) {
			s := s.with(t)
			r := s.start(p, "web", s.options())
			unix.Kill(r.Supervisor.PID, unix.SIGKILL)
			waitExit(r.Supervisor, 5*time.Second)
			waitExit(r.Init, 5*time.Second)
			if r.Init.Alive() {
				t.Fatalf("the init outlives its supervisor")
			}
			list, _ := List(p, "", s.options())
			if list[0].State != Stopped {
				t.Errorf("status: %s, want stopped", list[0].State)
			}
			if next == "stop" {
				if err := Stop("h", "web", s.options()); !errors.Is(err, ErrNotRunning) {
					t.Errorf("stop: %v, want not running", err)
				}
			} else {
				r2 := s.start(p, "web", s.options())
				s.stop("web")
				s.assertGone("web", r2)
			}
			s.assertGone("web", r)
		})
	}
}

// TestTimings measures a guest's start and stop, for the record.
func TestTimings(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	const n = 10
	var start, stop time.Duration
	for range n {
		t0 := time.Now()
		if _, err := Start(p, "web", s.options()); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if err := Stop("h", "web", s.options()); err != nil {
			t.Fatal(err)
		}
		start += t1.Sub(t0)
		stop += time.Since(t1)
		if testing.Verbose() {
			t.Logf("start %s, stop %s", t1.Sub(t0).Round(time.Microsecond), time.Since(t1).Round(time.Microsecond))
		}
	}
	if testing.Verbose() {
		t.Logf("the supervisor's log:\n%s", s.log("web"))
	}
	t.Logf("busybox guest, mean of %d: start %s, stop %s", n, (start / n).Round(time.Microsecond), (stop / n).Round(time.Microsecond))
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// statField returns field n (1-based, as proc(5) numbers them) of a
// /proc/PID/stat line.
func statField(t *testing.T, stat string, n int) string {
	t.Helper()
	i := strings.LastIndexByte(stat, ')')
	f := strings.Fields(stat[i+1:])
	if i < 0 || len(f) < n-2 {
		t.Fatalf("malformed stat %q", stat)
	}
	return f[n-3]
}

func capBnd(t *testing.T, status string) uint64 {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:\t"); ok {
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no CapBnd in\n%s", status)
	return 0
}

// TestSupervisorSignaled stops a guest by SIGTERM to its supervisor, as
// a host shutting down does: the guest ends, its post_stop hooks run,
// and nothing is left.
func TestSupervisorSignaled(t *testing.T) {
	s := newSandbox(t)
	mark := filepath.Join(s.dir, "post_stop")
	p := s.compile(strings.Replace(webConfig, "  nice    = 5\n", "  hooks {\n    post_stop = [\"touch "+mark+"\"]\n  }\n", 1))
	o := s.options()
	o.Reboot = "restart"
	r := s.start(p, "web", o)
	unix.Kill(r.Supervisor.PID, unix.SIGTERM)
	if !waitExit(r.Supervisor, 10*time.Second) {
		t.Fatalf("the supervisor still runs after SIGTERM")
	}
	s.assertGone("web", r)
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("post_stop hook did not run: %v", err)
	}
}

// BenchmarkStartStop starts and stops a busybox guest: one op is both;
// start and stop are reported apart.
func BenchmarkStartStop(b *testing.B) {
	s := newSandbox(b)
	p := s.compile(webConfig)
	var start, stop time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Start(p, "web", s.options()); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := Stop("h", "web", s.options()); err != nil {
			b.Fatal(err)
		}
		start += t1.Sub(t0)
		stop += time.Since(t1)
	}
	b.ReportMetric(float64(start.Microseconds())/float64(b.N), "µs/start")
	b.ReportMetric(float64(stop.Microseconds())/float64(b.N), "µs/stop")
}

// BenchmarkExec runs `true` in a started guest, as vsc exec does, walls
// and all (in-process: without vsc's own start).
func BenchmarkExec(b *testing.B) {
	s := newSandbox(b)
	p := s.compile(webConfig)
	s.start(p, "web", s.options())
	defer s.stop("web")
	for b.Loop() {
		if code, err := Exec(s.options(), s.host, "web", []string{"true"}, ExecOptions{}, nil, io.Discard, io.Discard); err != nil || code != 0 {
			b.Fatalf("exec true: %d %v", code, err)
		}
	}
}
