package guest

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vsc/internal/nsthread"
	"vsc/ir"
)

// The escape suite: a static probe (testdata/probe), built by the test,
// runs inside started guests — one on the host's network, one with a
// network of its own — as their root, and tries every escape the walls
// are there to stop; the test also looks at the guests from the host. Every
// escape must fail, and what a guest may do (its own address, port 80 on
// it, setuid programs) must work.

var probe struct {
	once sync.Once
	file string
	err  error
}

// buildProbe builds the probe once per run, static.
func buildProbe(t *testing.T) string {
	t.Helper()
	probe.once.Do(func() {
		if file := os.Getenv("VSC_ESCAPE_PROBE"); file != "" {
			// Built beforehand (the kernel lane's VM has no go command).
			probe.file = file
			return
		}
		go_, err := exec.LookPath("go")
		if err != nil {
			probe.err = fmt.Errorf("the escape suite builds its probe with the go command: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "vsc-probe-")
		if err != nil {
			probe.err = err
			return
		}
		probe.file = filepath.Join(dir, "probe")
		cmd := exec.Command(go_, "build", "-o", probe.file, "./testdata/probe")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			probe.err = fmt.Errorf("go build ./testdata/probe: %v\n%s", err, out)
		}
	})
	if probe.err != nil {
		t.Fatal(probe.err)
	}
	return probe.file
}

func removeProbe() {
	if probe.file != "" {
		os.RemoveAll(filepath.Dir(probe.file))
	}
}

// installProbe copies the probe into a guest's root as /probe, and a
// setuid-root copy as /probe-suid.
func installProbe(t *testing.T, root string) {
	t.Helper()
	data, err := os.ReadFile(buildProbe(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"probe": 0o755, "probe-suid": 0o755 | os.ModeSetuid} {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// results parses the probe's NAME: RESULT lines.
func results(t *testing.T, out string) map[string]string {
	t.Helper()
	r := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			r[k] = v
		}
	}
	return r
}

// expect checks a probe result against the results allowed.
func expect(t *testing.T, r map[string]string, name string, allowed ...string) {
	t.Helper()
	got, ok := r[name]
	if !ok {
		t.Errorf("%s: the probe did not report it", name)
		return
	}
	for _, a := range allowed {
		if got == a || strings.HasSuffix(a, "*") && strings.HasPrefix(got, strings.TrimSuffix(a, "*")) {
			return
		}
	}
	t.Errorf("%s: %q, want %s", name, got, strings.Join(allowed, " or "))
}

// inNetns runs f in the named network namespace.
func inNetns(t *testing.T, name string, f func() error) {
	t.Helper()
	if err := nsthread.Named(name, f); err != nil {
		t.Fatal(err)
	}
}

// listener accepts connections and datagrams in a network namespace and
// remembers where they came from.
type listener struct {
	mu    sync.Mutex
	from  []string
	close []io.Closer
}

func (l *listener) add(a string) {
	l.mu.Lock()
	l.from = append(l.from, a)
	l.mu.Unlock()
}

func (l *listener) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.from...)
}

func (l *listener) stop() {
	for _, c := range l.close {
		c.Close()
	}
}

func listen(t *testing.T, ns, tcp, udp, abstract string) *listener {
	t.Helper()
	l := &listener{}
	t.Cleanup(l.stop)
	inNetns(t, ns, func() error {
		if tcp != "" {
			tl, err := net.Listen("tcp", tcp)
			if err != nil {
				return err
			}
			l.close = append(l.close, tl)
			go func() {
				for {
					c, err := tl.Accept()
					if err != nil {
						return
					}
					l.add("tcp " + c.RemoteAddr().(*net.TCPAddr).IP.String())
					c.Close()
				}
			}()
		}
		if udp != "" {
			ul, err := net.ListenPacket("udp", udp)
			if err != nil {
				return err
			}
			l.close = append(l.close, ul)
			go func() {
				buf := make([]byte, 64)
				for {
					_, from, err := ul.ReadFrom(buf)
					if err != nil {
						return
					}
					l.add("udp " + from.(*net.UDPAddr).IP.String())
				}
			}()
		}
		if abstract != "" {
			al, err := net.Listen("unix", "@"+abstract)
			if err != nil {
				return err
			}
			l.close = append(l.close, al)
			go func() {
				for {
					c, err := al.Accept()
					if err != nil {
						return
					}
					l.add("abstract")
					c.Close()
				}
			}()
		}
		return nil
	})
	return l
}

// waitSeen waits for a listener to have seen want.
func waitSeen(l *listener, want string) bool {
	for i := 0; i < 100; i++ {
		for _, s := range l.seen() {
			if s == want {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// hostMarker writes a file on the host, outside any guest's root, and
// returns its path and its file handle (name_to_handle_at), which the
// shocker escape would open by.
func hostMarker(t *testing.T, s *sandbox) (path, handle string, typ int32) {
	t.Helper()
	path = filepath.Join(s.dir, "host-secret")
	if err := os.WriteFile(path, []byte("the host's secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, path, 0)
	if err != nil {
		t.Skipf("SKIP: the filesystem of %s gives no file handles: %v", path, err)
	}
	// The handle works, from the host: a refusal inside is the wall's.
	mnt, err := unix.Open(s.dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(mnt)
	fd, err := unix.OpenByHandleAt(mnt, h, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("the host cannot open its own file by handle: %v", err)
	}
	unix.Close(fd)
	return path, hex.EncodeToString(h.Bytes()), h.Type()
}

// theCommonEscapes are what every guest must be refused, whatever its
// network.
func theCommonEscapes(t *testing.T, r map[string]string) {
	t.Helper()
	expect(t, r, "open_by_handle_at", "EPERM")
	expect(t, r, "name_to_handle_at", "EPERM")
	expect(t, r, "chroot_climb", "ok")
	for _, f := range []string{"/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger", "/proc/sys/kernel/modprobe"} {
		// ENOENT: a kernel without magic SysRq or modules.
		expect(t, r, "write "+f, "EROFS", "EACCES", "EPERM", "ENOENT")
	}

	for _, f := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"} {
		expect(t, r, "read "+f, "empty", "ENOENT", "EACCES", "EPERM")
	}
	expect(t, r, "list /proc/acpi", "empty", "ENOENT")
	expect(t, r, "list /sys/firmware", "empty", "ENOENT")
	expect(t, r, "write /sys/kernel/uevent_helper", "EROFS", "EACCES", "ENOENT")
	expect(t, r, "syslog", "EPERM")
	expect(t, r, "open /proc/kmsg", "EACCES", "EPERM", "ENOENT")
	expect(t, r, "open /dev/kmsg", "ENOENT")
	expect(t, r, "mknod block", "EPERM")
	for _, c := range []string{"init_module", "finit_module", "settimeofday", "clock_settime", "bpf", "kexec_load", "keyctl", "userfaultfd", "iopl", "perf_event_open"} {
		expect(t, r, c, "EPERM")
	}
	expect(t, r, "x32", "ENOSYS")
	expect(t, r, "seccomp", "2")
	expect(t, r, "nonewprivs", "0")
	if n, _ := strconv.Atoi(r["processes"]); n == 0 || n > 5 {
		t.Errorf("the guest sees %q processes in its /proc: the host's?", r["processes"])
	}
}

// readOnly checks, from the guest's own mountinfo, that its /proc/sys
// and /sys are read-only mounts.
func readOnly(t *testing.T, s *sandbox, name string) {
	t.Helper()
	mi := s.execOK(name, "cat", "/proc/self/mountinfo")
	for _, target := range []string{"/proc/sys", "/proc/bus", "/proc/irq", "/proc/fs", "/sys"} {
		found := false
		for _, l := range strings.Split(mi, "\n") {
			f := strings.Fields(l)
			if len(f) > 5 && f[4] == target {
				found = true
				if !strings.Contains(","+f[5]+",", ",ro,") {
					t.Errorf("inside, %s is mounted %s, not read-only", target, f[5])
				}
			}
		}
		if !found {
			t.Errorf("inside, no mount at %s:\n%s", target, mi)
		}
	}
}

// hostView checks a started guest from the host: its init runs as the
// guest's range of ids, under the filter, with a pids.max.
func hostView(t *testing.T, s *sandbox, rec *Record, ctx int) {
	t.Helper()
	status := readFile(t, fmt.Sprintf("/proc/%d/status", rec.Init.PID))
	base := strconv.Itoa(int(ir.IDBase(ctx)))
	for _, field := range []string{"Uid:", "Gid:"} {
		want := field + "\t" + base + "\t" + base + "\t" + base + "\t" + base
		if !strings.Contains(status, want+"\n") {
			t.Errorf("the init's %s from the host is not %s:\n%s", field, base, grepLines(status, field))
		}
	}
	if !strings.Contains(status, "Seccomp:\t2\n") {
		t.Errorf("the init has no syscall filter:\n%s", grepLines(status, "Seccomp"))
	}
	found := false
	for _, d := range rec.Cgroups {
		if data, err := os.ReadFile(filepath.Join(d, "pids.max")); err == nil {
			found = true
			if got := strings.TrimSpace(string(data)); got != "4096" {
				t.Errorf("%s/pids.max = %s, want 4096", d, got)
			}
		}
	}
	if !found {
		t.Errorf("no pids.max in the guest's cgroups %v", rec.Cgroups)
	}
}

// sameNetns tells whether pid is in the network namespace named name.
func sameNetns(t *testing.T, pid int, name string) bool {
	t.Helper()
	var a, b unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat("/run/netns/"+name, &b); err != nil {
		t.Fatal(err)
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

const escapeShared = `
host "h" {
  interface "eth0" {}
}
guest "web" {
  context = 300
  root    = "ROOT_web"
  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "web"
  }
  interface "1" {
    dev = "eth0"
    ip  = "2001:db8::10/64"
  }
}
`

// TestEscapeShared attacks the walls of a guest on the host's network.
func TestEscapeShared(t *testing.T) {
	s := newSandbox(t)
	marker, handle, typ := hostMarker(t, s)
	p := s.compile(escapeShared)
	installProbe(t, filepath.Join(s.dir, "roots", "web"))
	// The host has an address of its own, which the guest must not take,
	// and listens there.
	run(t, "ip", "-n", s.netns, "addr", "add", "198.51.100.1/24", "dev", "eth1")
	run(t, "ip", "-n", s.netns, "addr", "add", "2001:db8:1::1/64", "dev", "eth1", "nodad")
	abstract := fmt.Sprintf("vsc-escape-%d", os.Getpid())
	l := listen(t, s.netns, "198.51.100.1:9000", "198.51.100.1:9001", abstract)
	l6 := listen(t, s.netns, "[2001:db8:1::1]:9000", "[2001:db8:1::1]:9001", "")
	// The host's abstract socket answers in its namespace: a refusal
	// inside is the wall's.
	inNetns(t, s.netns, func() error {
		c, err := net.Dial("unix", "@"+abstract)
		if err == nil {
			c.Close()
		}
		return err
	})
	if !waitSeen(l, "abstract") {
		t.Fatal("the host's abstract socket does not answer")
	}
	rec := s.start(p, "web", s.options())
	// The guest's IPv6 address is usable once its duplicate address
	// detection is over.
	for i := 0; i < 400 && strings.Contains(run(t, "ip", "-n", s.netns, "-6", "addr", "show", "tentative"), "2001:db8::10"); i++ {
		time.Sleep(10 * time.Millisecond)
	}

	out := s.execOK("web", "/probe", "checks", "handle="+handle, "handle_type="+strconv.Itoa(int(typ)), "marker="+marker,
		"link=eth0", "foreign=198.51.100.1", "own=192.0.2.10", "connect=198.51.100.1:9000", "udp=198.51.100.1:9001", "abstract="+abstract,
		"foreign6=2001:db8:1::1", "own6=2001:db8::10", "connect6=[2001:db8:1::1]:9000", "udp6=[2001:db8:1::1]:9001")
	t.Logf("probe:\n%s", out)
	r := results(t, out)
	theCommonEscapes(t, r)
	expect(t, r, "packet socket", "EPERM")
	expect(t, r, "raw socket", "EPERM")
	expect(t, r, "link down", "EPERM")
	expect(t, r, "bind foreign", "EPERM")
	expect(t, r, "bind wildcard", "bound 192.0.2.10:8081")
	expect(t, r, "bind wildcard6", "bound [2001:db8::10]:8084")
	expect(t, r, "bind foreign6", "EPERM")
	expect(t, r, "bind own6", "bound [2001:db8::10]:8085")
	expect(t, r, "bind loopback6", "bound [2001:db8::10]:8086")
	expect(t, r, "connect6", "from [2001:db8::10]:*")
	expect(t, r, "udp6", "ok")
	expect(t, r, "bind loopback", "bound 192.0.2.10:8082")
	expect(t, r, "bind own", "bound 192.0.2.10:8083")
	expect(t, r, "bind own 80", "bound 192.0.2.10:80")
	expect(t, r, "connect", "from 192.0.2.10:*")
	expect(t, r, "udp", "ok")
	expect(t, r, "abstract", "EPERM")
	expect(t, r, "uid_map", "0 19660800 65536")
	if !waitSeen(l, "tcp 192.0.2.10") || !waitSeen(l, "udp 192.0.2.10") {
		t.Errorf("the host saw the guest's connection and datagram from %v, want 192.0.2.10", l.seen())
	}
	if !waitSeen(l6, "tcp 2001:db8::10") || !waitSeen(l6, "udp 2001:db8::10") {
		t.Errorf("the host saw the guest's IPv6 connection and datagram from %v, want 2001:db8::10", l6.seen())
	}
	if n := strings.Count(strings.Join(l.seen(), "\n"), "abstract"); n != 1 {
		t.Errorf("the host's abstract unix socket @%s was reached %d times, once by the host itself", abstract, n)
	}

	readOnly(t, s, "web")
	hostView(t, s, rec, 300)
	if !sameNetns(t, rec.Init.PID, s.netns) {
		t.Errorf("the guest's init is not in the network namespace --netns names (%s)", s.netns)
	}
	legitimate(t, s, "web", rec)
	s.stop("web")
	s.assertGone("web", rec)
}

// legitimate checks what a guest's root may do, and vsc exec's clean
// entry.
func legitimate(t *testing.T, s *sandbox, name string, rec *Record) {
	t.Helper()
	// A setuid program run by another user of the guest gets the guest's
	// root: no no_new_privs, no nosuid on the root.
	if got := strings.TrimSpace(s.execOK(name, "/probe", "drop", "/probe-suid")); got != "0" {
		t.Errorf("a setuid-root program run by uid 1000 has euid %q, want 0", got)
	}
	if got := strings.TrimSpace(s.execOK(name, "busybox", "su", "root", "-c", "id -u")); got != "0" {
		t.Errorf("su root -c 'id -u' = %q, want 0", got)
	}
	// The root as built: owned by 0 inside and on disk, and what the
	// guest writes is stored owned by 0.
	s.execOK(name, "sh", "-c", "echo x > /root-wrote && ls -ln / >/dev/null")
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(rec.Root, "root-wrote"), &st); err != nil || st.Uid != 0 || st.Gid != 0 {
		t.Errorf("a file the guest's root wrote is owned by %d:%d on disk (%v), want 0:0", st.Uid, st.Gid, err)
	}
	if got := strings.Fields(s.execOK(name, "stat", "-c", "%u %g", "/bin/busybox")); len(got) != 2 || got[0] != "0" || got[1] != "0" {
		t.Errorf("inside, /bin/busybox is owned by %v, want 0 0", got)
	}

	// vsc exec: a clean environment, in /, with nothing of the caller's.
	os.Setenv("VSC_ESCAPE_SECRET", "caller's")
	defer os.Unsetenv("VSC_ESCAPE_SECRET")
	leak, err := unix.Open("/dev/null", unix.O_RDONLY, 0) // not close-on-exec
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(leak)
	var buf strings.Builder
	code, err := Exec(s.options(), s.host, name, []string{"/probe", "self"}, ExecOptions{Env: []string{"FOO=bar"}}, nil, &buf, &buf)
	if err != nil || code != 0 {
		t.Fatalf("exec /probe self: %d %v\n%s", code, err, buf.String())
	}
	self := buf.String()
	var env []string
	for _, l := range strings.Split(self, "\n") {
		if v, ok := strings.CutPrefix(l, "env: "); ok {
			env = append(env, v)
		}
	}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PATH=") && kv != "HOME=/root" && !strings.HasPrefix(kv, "TERM=") && kv != "FOO=bar" {
			t.Errorf("the command's environment has %q", kv)
		}
	}
	if !strings.Contains(self, "env: FOO=bar\n") || !strings.Contains(self, "env: HOME=/root\n") {
		t.Errorf("the command's environment lacks FOO=bar or HOME=/root:\n%s", self)
	}
	if !strings.Contains(self, "cwd: /\n") {
		t.Errorf("the command does not start in /:\n%s", self)
	}
	for _, l := range strings.Split(self, "\n") {
		if fds, ok := strings.CutPrefix(l, "fds: "); ok {
			for _, f := range strings.Fields(fds) {
				if n, _, _ := strings.Cut(f, "="); n != "0" && n != "1" && n != "2" {
					t.Errorf("the command holds descriptor %s", f)
				}
			}
		}
	}

	// While it runs, what vsc exec leaves outside the guest's PID namespace
	// is not dumpable: its /proc files are the host root's.
	cmd, err := Command(s.options(), s.host, name, []string{"sleep", "0.3"}, ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for {
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if strings.Contains(string(status), "Uid:\t"+strconv.Itoa(int(ir.IDBase(ctxOf(rec))))+"\t") {
			var st syscall.Stat_t
			if err := syscall.Stat(fmt.Sprintf("/proc/%d/environ", cmd.Process.Pid), &st); err != nil || st.Uid != 0 {
				t.Errorf("vsc exec's relay, now the guest's root, has its /proc files owned by %d (%v): it is dumpable", st.Uid, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("vsc exec's relay never became the guest's root:\n%s", status)
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ctxOf is the context of a started guest.
func ctxOf(r *Record) int {
	for _, op := range r.Plan.Ops {
		if b, ok := op.Body.(*ir.NsNew); ok {
			return b.Context
		}
	}
	return 0
}

const escapeIsolated = `
host "h" {
  interface "eth0" {}
  table "t7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0"
    }
  }
}
guest "db" {
  context = 301
  root    = "ROOT_db"
  network = "isolated"
  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.20/24"
  }
}
`

// TestEscapeIsolated attacks the walls of a guest with a network of its
// own, and checks that it is routed: reached from a neighbour of the
// host's link, and reaching it.
func TestEscapeIsolated(t *testing.T) {
	s := newSandbox(t)
	marker, handle, typ := hostMarker(t, s)
	p := s.compile(escapeIsolated)
	installProbe(t, filepath.Join(s.dir, "roots", "db"))
	// A neighbour on the host's eth0: the other end of the pair, in a
	// namespace of its own.
	peer := s.netns + "-peer"
	run(t, "ip", "netns", "add", peer)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", peer).Run() })
	run(t, "ip", "-n", s.netns, "link", "set", "eth1", "netns", peer)
	run(t, "ip", "-n", peer, "addr", "add", "192.0.2.1/24", "dev", "eth1")
	run(t, "ip", "-n", peer, "link", "set", "eth1", "up")
	run(t, "ip", "-n", peer, "link", "set", "lo", "up")
	run(t, "ip", "-n", s.netns, "addr", "add", "192.0.2.5/24", "dev", "eth0")

	// Forwarding off: the start fails and says which setting.
	if _, err := Start(p, "db", s.options()); err == nil || !strings.Contains(err.Error(), "net.ipv4.conf.eth0.forwarding=1") {
		t.Fatalf("a start without forwarding: %v, want it to name net.ipv4.conf.eth0.forwarding=1", err)
	}
	s.assertGone("db", nil)
	inNetns(t, s.netns, func() error { return os.WriteFile("/proc/sys/net/ipv4/conf/eth0/forwarding", []byte("1"), 0) })

	l := listen(t, peer, "192.0.2.1:9000", "192.0.2.1:9001", "")
	rec := s.start(p, "db", s.options())
	out := s.execOK("db", "/probe", "checks", "handle="+handle, "handle_type="+strconv.Itoa(int(typ)), "marker="+marker,
		"own=192.0.2.20", "connect=192.0.2.1:9000", "udp=192.0.2.1:9001")
	t.Logf("probe:\n%s", out)
	r := results(t, out)
	theCommonEscapes(t, r)
	// Its own network: it sees only its links, and may use raw sockets
	// on them.
	expect(t, r, "links", "lo,eth0")
	expect(t, r, "bind own", "bound 192.0.2.20:8083")
	expect(t, r, "bind own 80", "bound 192.0.2.20:80")
	expect(t, r, "connect", "from 192.0.2.20:*")
	if !waitSeen(l, "tcp 192.0.2.20") || !waitSeen(l, "udp 192.0.2.20") {
		t.Errorf("the neighbour saw the guest from %v, want 192.0.2.20", l.seen())
	}
	readOnly(t, s, "db")
	hostView(t, s, rec, 301)
	if sameNetns(t, rec.Init.PID, s.netns) {
		t.Errorf("an isolated guest's init is in the host's network namespace")
	}

	// The neighbour reaches a server of the guest's: proxy ARP on eth0,
	// the host route to vsc301.
	served := make(chan string, 1)
	go func() {
		_, out := s.exec("db", "/probe", "serve", "80")
		served <- out
	}()
	var reply string
	for i := 0; i < 100 && reply == ""; i++ {
		inNetns(t, peer, func() error {
			c, err := net.DialTimeout("tcp", "192.0.2.20:80", 200*time.Millisecond)
			if err != nil {
				return nil
			}
			defer c.Close()
			data, _ := io.ReadAll(c)
			reply = string(data)
			return nil
		})
		if reply == "" {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if reply != "hello from 192.0.2.20:80" {
		t.Errorf("the neighbour got %q from the guest's port 80", reply)
	}
	<-served
	// Read back with ip: the host routes and the proxy entry.
	if routes := run(t, "ip", "-n", s.netns, "route", "show", "table", "all", "192.0.2.20"); strings.Count(routes, "dev vsc301") < 2 {
		t.Errorf("host routes to the guest (main and table 7):\n%s", routes)
	}
	if proxy := run(t, "ip", "-n", s.netns, "neigh", "show", "proxy"); !strings.Contains(proxy, "192.0.2.20 dev eth0") {
		t.Errorf("no proxy entry for the guest on eth0:\n%s", proxy)
	}
	legitimate(t, s, "db", rec)
	s.stop("db")
	s.assertGone("db", rec)
	if links := run(t, "ip", "-n", s.netns, "link", "show"); strings.Contains(links, "vsc301") {
		t.Errorf("the guest's veth is left:\n%s", links)
	}
	if proxy := run(t, "ip", "-n", s.netns, "neigh", "show", "proxy"); strings.Contains(proxy, "192.0.2.20") {
		t.Errorf("the guest's proxy entry is left:\n%s", proxy)
	}
}

// TestEnterTerminal: vsc enter's shell has a terminal of the guest's own
// devpts, the caller's window size, and is its session's leader.
func TestEnterTerminal(t *testing.T) {
	s := newSandbox(t)
	p := s.compile(webConfig)
	s.start(p, "web", s.options())
	defer s.stop("web")
	// The caller's terminal: a pty of the test's.
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("SKIP: no pty for the test: %v", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		t.Fatal(errno)
	}
	slave := os.NewFile(r, "test pty")
	defer slave.Close()
	unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 33, Col: 101})
	out := make(chan string, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := unix.Read(master, buf)
			if n > 0 {
				b.Write(buf[:n])
			}
			if err != nil || n == 0 || strings.Contains(b.String(), "END") {
				break
			}
		}
		out <- b.String()
	}()
	code, err := Exec(s.options(), s.host, "web", []string{"sh", "-c", "tty; test -t 0 && echo isatty; stty size; echo E''ND"},
		ExecOptions{TTY: true}, slave, slave, slave)
	if err != nil || code != 0 {
		t.Fatalf("exec with a terminal: %d %v", code, err)
	}
	got := <-out
	for _, want := range []string{"/dev/pts/0", "isatty", "33 101"} {
		if !strings.Contains(got, want) {
			t.Errorf("the shell's terminal output lacks %q:\n%q", want, got)
		}
	}
}
