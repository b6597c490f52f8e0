package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vsc/executor"
	"vsc/executor/guest/walls"
	"vsc/internal/nsthread"
	"vsc/internal/statedir"
	"vsc/ir"
)

// spec is what Start hands the supervisor, on its stdin.
type spec struct {
	Name         string   `json:"name"`
	StateDir     string   `json:"state_dir"`
	NetNS        string   `json:"netns,omitempty"`
	CgroupParent string   `json:"cgroup_parent"`
	Reboot       string   `json:"reboot"`
	Plan         *ir.Plan `json:"plan"`
}

// startReport is the supervisor's one message to Start, on its fd 3.
type startReport struct {
	Init  int    `json:"init,omitempty"`
	Error string `json:"error,omitempty"`
}

type supervisor struct {
	sp       spec
	dir      string
	seq      *sequence
	log      io.Writer
	rec      *Record
	child    *initChild
	restarts int

	step string // the op being run, KIND (ORIGIN), for the requests it queues

	mu       sync.Mutex // guards rec.Init and stopping against onSignals
	stopping bool       // told to stop by a signal: no restart
}

func superviseMain() int {
	// fd 3 reports to Start; nothing the supervisor runs may keep it open.
	unix.CloseOnExec(3)
	report := os.NewFile(3, "report")
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "vsc supervisor: %v\n", err)
		json.NewEncoder(report).Encode(startReport{Error: err.Error()})
		return 1
	}
	// Signals that come before the guest runs wait until it does.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	var sp spec
	if err := json.NewDecoder(os.Stdin).Decode(&sp); err != nil {
		return fail(fmt.Errorf("cannot read what to start: %w", err))
	}
	if null, err := os.Open(os.DevNull); err == nil {
		unix.Dup2(int(null.Fd()), 0)
		null.Close()
	}
	seq, err := parse(sp.Plan)
	if err != nil {
		return fail(err)
	}
	seq.withState(sp.StateDir, sp.Plan.Host)
	s := &supervisor{sp: sp, dir: Dir(sp.StateDir, sp.Plan.Host, sp.Name), seq: seq, log: os.Stdout}
	s.logf("starting guest %s (supervisor %d)", sp.Name, os.Getpid())
	start := time.Now()
	if err := s.start(); err != nil {
		s.logf("start failed: %v", err)
		return fail(err)
	}
	s.logf("guest %s started in %s, init %d", sp.Name, time.Since(start).Round(time.Microsecond), s.rec.Init.PID)
	json.NewEncoder(report).Encode(startReport{Init: s.rec.Init.PID})
	report.Close()
	s.onSignals(sigs)
	return s.supervise()
}

// onSignals makes TERM or INT sent to the supervisor (a host shutting
// down) end the guest as a stop does, without its stop hooks: its init
// gets TERM, and KILL if it still runs after DefaultTimeout. The guest
// then ends as if by itself: torn down, post_stop hooks run.
func (s *supervisor) onSignals(sigs chan os.Signal) {
	go func() {
		for sig := range sigs {
			s.mu.Lock()
			init := s.rec.Init
			s.stopping = true
			s.mu.Unlock()
			s.logf("got %s: stopping the guest", sig)
			go terminate(init, DefaultTimeout)
		}
	}()
}

func (s *supervisor) logf(format string, a ...any) {
	fmt.Fprintf(s.log, "%s %s\n", time.Now().Format("2006-01-02 15:04:05.000"), fmt.Sprintf(format, a...))
}

// supervise waits for the guest's init to end, tears the guest down, and
// starts it again when it rebooted itself and its reboot action says so.
func (s *supervisor) supervise() int {
	for {
		<-s.child.done
		ws, _ := s.child.cmd.ProcessState.Sys().(syscall.WaitStatus)
		// reboot(2) in a PID namespace ends its init as if by SIGHUP
		// (restart) or SIGINT (halt, power off).
		reboot := ws.Signaled() && ws.Signal() == syscall.SIGHUP
		s.logf("init %d ended: %s", s.rec.Init.PID, s.child.cmd.ProcessState)
		unlock, stopping := s.stopOrLock()
		t0 := time.Now()
		terr := s.teardown()
		s.logf("teardown took %s", time.Since(t0).Round(time.Microsecond))
		if terr != nil {
			s.logf("teardown: %v", terr)
		}
		if stopping {
			// vsc stop runs the stop hooks and checks what is left.
			s.logf("stopped")
			return exitCode(terr)
		}
		// The guest ended by itself: what vsc stop would do after it.
		if err := runHooks(s.seq, "post_stop", s.log); err != nil {
			s.logf("%v", err)
		}
		s.mu.Lock()
		signaled := s.stopping
		s.mu.Unlock()
		if terr == nil && reboot && s.sp.Reboot == "restart" && !signaled {
			s.restarts++
			s.logf("the guest rebooted: starting it again (restart %d)", s.restarts)
			err := s.start()
			unlock()
			if err != nil {
				s.logf("restart failed: %v", err)
				return 1
			}
			s.logf("guest %s started again, init %d", s.sp.Name, s.rec.Init.PID)
			continue
		}
		unlock()
		s.logf("the guest ended (reboot action %q)", s.sp.Reboot)
		return exitCode(terr)
	}
}

func exitCode(err error) int {
	if err != nil {
		return 1
	}
	return 0
}

// stopOrLock tells a guest that vsc stop is stopping (its mark is there)
// from one that ended by itself, and then takes the guest's lock, so
// that no start or stop runs while the supervisor tears down and starts
// again. A stop holds the lock while it waits for the supervisor.
func (s *supervisor) stopOrLock() (unlock func(), stopping bool) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(s.dir, stoppingMark)); err == nil {
			return func() {}, true
		}
		if unlock, ok := tryLock(s.dir); ok {
			return unlock, false
		}
		if time.Now().After(deadline) {
			s.logf("the guest's lock is held and no stop is under way: going on without it")
			return func() {}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// start runs the start sequence from the guest's plan, op by op in plan
// order. When a step fails, the steps done are undone.
func (s *supervisor) start() (err error) {
	seq := s.seq
	self, err := procOf(os.Getpid())
	if err != nil {
		return err
	}
	rec := &Record{Name: s.sp.Name, Host: s.sp.Plan.Host, Phase: phaseStarting, Plan: s.sp.Plan,
		Reboot: s.sp.Reboot, NetNS: s.sp.NetNS, Supervisor: self, Root: seq.init.Root,
		Pivoted: seq.ns.Cleanup, Started: time.Now().UTC(), Restarts: s.restarts}
	s.mu.Lock()
	s.rec = rec
	s.mu.Unlock()
	defer func() {
		if err != nil {
			if terr := s.teardown(); terr != nil {
				err = fmt.Errorf("%w\nUndoing the start failed too: %v", err, terr)
			}
		}
	}()
	if st, err := os.Stat(seq.init.Root); err != nil || !st.IsDir() {
		return fmt.Errorf("the guest's root %s is not a folder: build the guest first (vsc build %s)", seq.init.Root, s.sp.Name)
	}
	if err := seq.walled(); err != nil {
		return err
	}
	x := &initExec{Pivot: seq.ns.Cleanup, Time: seq.hasKind("time"), Walls: seq.inherit(), Command: seq.init.Command}
	if seq.uts != nil {
		x.Nodename, x.Domainname = seq.uts.Nodename, seq.uts.Domainname
	}
	ensured := false
	for _, op := range s.sp.Plan.Ops {
		var err error
		t0 := time.Now()
		s.step = fmt.Sprintf("%s (%s)", op.Body.Kind(), op.Origin)
		switch b := op.Body.(type) {
		case *ir.NsNew:
			err = s.clone(b)
		case *ir.HookRun:
			if startPhases[b.Phase] {
				// A hook sees the guest as the steps before it left it.
				if err = s.child.flush(); err == nil {
					s.logf("hook %s: %s", b.Phase, b.Command)
					err = runHook(op, seq, s.log)
				}
			}
		case *ir.GuestMount:
			err = s.mount(b)
		case *ir.GuestDev:
			err = s.dev(b)
		case *ir.GuestMask:
			err = s.mask(b)
		case *ir.CgroupSet:
			err = s.cgroup(b)
		case *ir.NetConfine:
			err = s.confine(b)
		case *ir.VethAdd:
			err = s.veth(b)
		case *ir.RlimitSet:
			err = s.rlimit(b)
		case *ir.InitExec:
			err = s.exec(x)
		case *ir.GuestBuild, *ir.UTSSet, *ir.CapsDrop, *ir.SeccompSet:
			// The build is vsc build's; the others are in x or the limits.
		default:
			// Host state of the guest (its addresses; its project id and
			// quota): ensured all at once, at the first of them.
			k, ok := ir.Lookup(op.Body.Kind())
			if !ok || !k.HostState {
				err = fmt.Errorf("this vsc does not know how to start a guest with a %s op", op.Body.Kind())
				break
			}
			if !ensured {
				ensured = true
				_, err = executor.Ensure(s.sp.Plan, op.Owner, executor.Options{StateDir: s.sp.StateDir, NetNS: s.sp.NetNS, Out: s.log})
			}
		}
		if d := time.Since(t0); d > time.Millisecond {
			s.logf("%s took %s", op.Body.Kind(), d.Round(time.Microsecond))
		}
		if err != nil {
			var queued *stepError
			if _, ok := op.Body.(*ir.HookRun); ok || errors.As(err, &queued) {
				return err
			}
			return fmt.Errorf("%s (%s): %w", op.Body.Kind(), op.Origin, err)
		}
	}
	if s.child == nil || s.rec.Init.PID == 0 {
		return errors.New("the plan started no init")
	}
	select {
	case <-s.child.done:
		return fmt.Errorf("the guest's init ended during the start: %s (see the guest's log)", s.child.cmd.ProcessState)
	default:
	}
	s.rec.Phase = phaseRunning
	return s.rec.save(s.dir)
}

// initChild is the guest's init while the supervisor drives it.
type initChild struct {
	cmd     *exec.Cmd
	conn    conn
	userns  int             // its user namespace, for idmapped mounts
	root    bool            // the guest's root is attached (requested)
	pending []string        // the steps (KIND (ORIGIN)) of the requests whose replies are not read yet
	rlimits []pendingRlimit // set at exec
	done    chan struct{}   // closed when it has exited (cmd.ProcessState set)
}

// cloneFlags are the clone flags of the namespace kinds.
var cloneFlags = map[string]uintptr{
	"user": unix.CLONE_NEWUSER, "mnt": unix.CLONE_NEWNS, "uts": unix.CLONE_NEWUTS,
	"ipc": unix.CLONE_NEWIPC, "pid": unix.CLONE_NEWPID, "net": unix.CLONE_NEWNET,
	// time: made by the init at exec (the init itself stays in the host's).
}

// clone starts the guest's init as pid 1 of new namespaces that belong
// to a new user namespace, where it is the guest's root: the host's ids
// id_base… are the guest's 0…. A guest on the host's network is cloned
// into the network namespace the options name; it gets its nice value
// from the cloning thread, as the host's root may lower it.
func (s *supervisor) clone(ns *ir.NsNew) error {
	if s.child != nil {
		return errors.New("a second ns.new")
	}
	var flags uintptr
	for _, k := range ns.Kinds {
		flags |= cloneFlags[k]
	}
	const need = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID
	if flags&need != need {
		return fmt.Errorf("kinds %s: a guest needs at least its own user, mnt and pid namespaces", strings.Join(ns.Kinds, ","))
	}
	if ns.IDBase == 0 || ns.IDBase != ir.IDBase(ns.Context) {
		return fmt.Errorf("id_base %d: a guest's ids are context × %d, never the host's own", ns.IDBase, ir.GuestIDs)
	}
	mine, theirs, err := newConnPair()
	if err != nil {
		return err
	}
	theirsFile := os.NewFile(uintptr(theirs.fd), "init")
	defer theirsFile.Close()
	uids, gids := walls.IDMaps(ns.IDBase, ns.IDCount)
	cmd := reexec("init", s.sp.Name)
	cmd.Env = []string{} // nothing of the host's environment for the guest's init
	cmd.ExtraFiles = []*os.File{theirsFile}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// Pdeathsig: a guest does not outlive its supervisor, whose record
	// the next start or stop then undoes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Setsid: true, Pdeathsig: syscall.SIGKILL,
		UidMappings: uids, GidMappings: gids, GidMappingsEnableSetgroups: true,
		Credential: &syscall.Credential{Uid: 0, Gid: 0}}
	netns := s.sp.NetNS
	if flags&unix.CLONE_NEWNET != 0 {
		netns = "" // a namespace of its own, made by the clone
	}
	if err := startIn(netns, s.seq.init.Nice, cmd); err != nil {
		mine.close()
		return fmt.Errorf("cannot clone the guest's init: %w", err)
	}
	c := &initChild{cmd: cmd, conn: mine, userns: -1, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(c.done)
	}()
	s.child = c
	p, err := procOf(cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("the guest's init ended at once: %w", err)
	}
	s.mu.Lock()
	s.rec.Init = p
	s.mu.Unlock()
	if err := s.rec.save(s.dir); err != nil {
		return err
	}
	if c.userns, err = unix.Open(fmt.Sprintf("/proc/%d/ns/user", p.PID), unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		return fmt.Errorf("the guest's user namespace: %w", err)
	}
	return s.queue(request{Op: "prepare"})
}

// startIn starts cmd from a thread in the named network namespace ("" is
// this one) whose nice value is nice, which the child inherits.
func startIn(netns string, nice int, cmd *exec.Cmd) error {
	return nsthread.Named(netns, func() error {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		was, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
		if err != nil {
			return err
		}
		// getpriority's value is 20 - nice.
		was = 20 - was
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, nice); err != nil {
			return fmt.Errorf("cannot set nice %d: %w", nice, err)
		}
		err = cmd.Start()
		if rerr := unix.Setpriority(unix.PRIO_PROCESS, 0, was); rerr != nil && err == nil {
			err = fmt.Errorf("cannot set this thread's nice value back to %d: %w", was, rerr)
		}
		return err
	})
}

// queue sends the init a request, with fds, without waiting for its
// reply: the init works through its requests while the supervisor does
// the host's part of the start (addresses, cgroups, socket hooks), and
// flush collects the replies. After a failed request the init does none
// of those behind it.
func (c *initChild) queue(step string, r request, fds ...int) error {
	if c == nil {
		return errors.New("no ns.new before it")
	}
	if err := c.conn.send(r, fds...); err != nil {
		return c.gone(err)
	}
	c.pending = append(c.pending, step)
	return nil
}

// queue queues a request of the step being run.
func (s *supervisor) queue(r request, fds ...int) error { return s.child.queue(s.step, r, fds...) }

// stepError is the error of a queued step, named by its op.
type stepError struct {
	step string // KIND (ORIGIN)
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// flush waits for the replies to the queued requests and returns the
// first error.
func (c *initChild) flush() error {
	if c == nil {
		return nil
	}
	var first error
	for len(c.pending) > 0 {
		var rep reply
		got, err := c.conn.recv(&rep)
		closeAll(got)
		if err != nil {
			c.pending = nil
			return c.gone(err)
		}
		if rep.Err != "" && first == nil {
			first = &stepError{c.pending[0], errors.New(rep.Err)}
		}
		c.pending = c.pending[1:]
	}
	return first
}

// gone explains a lost init.
func (c *initChild) gone(err error) error {
	select {
	case <-c.done:
		return fmt.Errorf("the guest's init ended: %s (see the guest's log)", c.cmd.ProcessState)
	case <-time.After(time.Second):
		return fmt.Errorf("lost the guest's init: %w", err)
	}
}

func (c *initChild) close() {
	c.conn.close()
	if c.userns >= 0 {
		unix.Close(c.userns)
		c.userns = -1
	}
}

// ensureRoot attaches the guest's root folder, unless its fstab's "/"
// mount did.
func (s *supervisor) ensureRoot() error {
	c := s.child
	if c == nil {
		return errors.New("no ns.new before it")
	}
	if c.root {
		return nil
	}
	tree, err := walls.RootTree(s.seq.init.Root, s.seq.ns.IDBase, c.userns)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	if err := s.queue(request{Op: "root"}, tree); err != nil {
		return err
	}
	c.root = true
	return nil
}

// mount mounts one of the guest's fstab entries: its "/" is the guest's
// root; the others are made by the init, or by the host's root and
// attached by the init (byInit).
func (s *supervisor) mount(m *ir.GuestMount) error {
	c := s.child
	if c == nil {
		return errors.New("no ns.new before it")
	}
	if m.Target == "/" {
		if c.root {
			return errors.New("the guest's root is mounted already")
		}
		tree, err := detachedMount(m, c.userns)
		if err != nil {
			return err
		}
		defer unix.Close(tree)
		if err := walls.PrepareRoot(tree, m.Source+" (its mount \"/\")", s.seq.ns.IDBase, c.userns); err != nil {
			return err
		}
		if err := s.queue(request{Op: "root"}, tree); err != nil {
			return err
		}
		c.root = true
		return nil
	}
	if err := s.ensureRoot(); err != nil {
		return err
	}
	if byInit(m) {
		return s.queue(request{Op: "mount", Mount: m})
	}
	var tree int
	var err error
	if m.Type == "sysfs" {
		tree, err = s.sysfs(m)
	} else {
		tree, err = detachedMount(m, c.userns)
	}
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	_, prop, _ := mountOptions(m)
	return s.queue(request{Op: "attach", Target: m.Target, Prop: prop}, tree)
}

// sysfs makes the guest's /sys: a sysfs of the guest's network namespace
// (the host's for a shared guest), always read-only. The host's root
// makes it: a guest's root may not mount sysfs where it does not own the
// network namespace.
func (s *supervisor) sysfs(m *ir.GuestMount) (int, error) {
	ns, err := netns.GetFromPid(s.rec.Init.PID)
	if err != nil {
		return -1, fmt.Errorf("mount %s: the guest's network namespace: %w", m.Target, err)
	}
	defer ns.Close()
	ro := *m
	ro.Options = append(slices.Clone(m.Options), "ro", "nosuid", "nodev", "noexec")
	tree := -1
	err = nsthread.Run(ns, func() error {
		var err error
		tree, err = detachedMount(&ro, -1)
		return err
	})
	return tree, err
}

// dev mounts the guest's /dev (guest.dev).
func (s *supervisor) dev(d *ir.GuestDev) error {
	if err := s.ensureRoot(); err != nil {
		return err
	}
	tree, err := walls.Dev(d.Nodes, s.seq.ns.IDBase)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	return s.queue(request{Op: "attach", Target: "/dev"}, tree)
}

// mask covers the guest's /proc and /sys paths (guest.mask).
func (s *supervisor) mask(m *ir.GuestMask) error {
	if err := s.ensureRoot(); err != nil {
		return err
	}
	return s.queue(request{Op: "mask", Mask: m})
}

// rlimit keeps one of the init's rlimits, which exec sets before the
// init executes the guest's program: as the host's root, who may raise a
// hard limit, and once the init's Go runtime has started, which raises
// its own RLIMIT_NOFILE.
func (s *supervisor) rlimit(r *ir.RlimitSet) error {
	if s.child == nil {
		return errors.New("no ns.new before it")
	}
	if _, ok := rlimits[r.Resource]; !ok {
		return fmt.Errorf("unknown resource %q", r.Resource)
	}
	s.child.rlimits = append(s.child.rlimits, pendingRlimit{s.step, rlimit{Resource: r.Resource, Soft: r.Soft, Hard: r.Hard}})
	return nil
}

// pendingRlimit is an rlimit to set, with its step.
type pendingRlimit struct {
	step string
	rlimit
}

// exec has the init execute the guest's program, then keeps its
// namespaces under the state folder.
func (s *supervisor) exec(x *initExec) error {
	if err := s.ensureRoot(); err != nil {
		return err
	}
	c := s.child
	if err := c.flush(); err != nil {
		return err
	}
	for _, r := range c.rlimits {
		l := limits{Rlimits: []rlimit{r.rlimit}}
		if err := l.prlimit(s.rec.Init.PID); err != nil {
			return &stepError{r.step, err}
		}
	}
	if err := c.conn.send(request{Op: "exec", Exec: x}); err != nil {
		return c.gone(err)
	}
	var rep reply
	if fds, err := c.conn.recv(&rep); err != nil {
		return c.gone(err)
	} else {
		closeAll(fds)
	}
	if rep.Err != "" {
		return errors.New(rep.Err)
	}
	// Executed: the socket closes with it, or says why it failed.
	if fds, err := c.conn.recv(&rep); err == nil {
		closeAll(fds)
		return errors.New(rep.Err)
	} else if !errors.Is(err, io.EOF) {
		return c.gone(err)
	}
	c.close()
	endedAtOnce := func(err error) error {
		select {
		case <-c.done:
			return fmt.Errorf("the guest's init %s ended at once: %s (see the guest's log)", strings.Join(x.Command, " "), c.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
			return err
		}
	}
	pid := s.rec.Init.PID
	if x.Time {
		// Before Linux 5.19 an executed program stays in its parent's
		// time namespace.
		now, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/time", pid))
		next, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/time_for_children", pid))
		if now != next {
			return endedAtOnce(errors.New("this kernel does not move an executed program into a new time namespace (flag virt_uptime needs Linux 5.19 or later)"))
		}
	}
	if err := s.bindNamespaces(pid); err != nil {
		return endedAtOnce(err)
	}
	return nil
}

// bindNamespaces keeps the init's namespaces as files under ns/, so that
// vsc exec can join them: the folder is first made a private mount of
// its own (as ip netns does with /run/netns), which a mount namespace
// file can be bound in.
func (s *supervisor) bindNamespaces(pid int) error {
	dir := filepath.Join(s.dir, nsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s.rec.NSDir = dir
	if err := s.rec.save(s.dir); err != nil {
		return err
	}
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("cannot bind %s on itself: %w", dir, err)
	}
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("cannot make %s private: %w", dir, err)
	}
	// net always: a shared guest's is the host's, which vsc exec joins too.
	kinds := slices.Clone(s.seq.ns.Kinds)
	if !slices.Contains(kinds, "net") {
		kinds = append(kinds, "net")
	}
	for _, kind := range kinds {
		if !slices.Contains(nsKinds, kind) {
			continue
		}
		f := filepath.Join(dir, kind)
		if err := statedir.WriteFile(f, nil); err != nil {
			return err
		}
		src := fmt.Sprintf("/proc/%d/ns/%s", pid, kind)
		if err := unix.Mount(src, f, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("cannot bind %s to %s: %w", src, f, err)
		}
		s.rec.NS = append(s.rec.NS, kind)
	}
	return s.rec.save(s.dir)
}

// nsKinds are the namespaces a guest may have, as /proc/PID/ns names
// them.
var nsKinds = []string{"user", "mnt", "uts", "ipc", "pid", "net", "time"}

// cgroup makes the guest's cgroups, writes its limits and moves the
// init into them.
func (s *supervisor) cgroup(cg *ir.CgroupSet) error {
	if s.child == nil {
		return errors.New("no ns.new before it")
	}
	_, hs, err := hierarchies()
	if err != nil {
		return err
	}
	s.rec.Cgroups = cgroupDirs(hs, s.sp.CgroupParent, s.sp.Name)
	s.rec.CgroupV2 = v2Dir(hs, s.rec.Cgroups)
	if err := s.rec.save(s.dir); err != nil {
		return err
	}
	if err := makeCgroups(hs, s.rec.Cgroups, cg); err != nil {
		return err
	}
	return joinCgroups(s.rec.Cgroups, s.rec.Init.PID)
}

// confine attaches a shared guest's socket hooks to its cgroup v2 folder
// (net.confine). The guest's init is in it already, and nothing of the
// guest runs yet.
func (s *supervisor) confine(c *ir.NetConfine) error {
	if s.rec.CgroupV2 == "" {
		return errors.New("a guest on the host's network is confined to its addresses by cgroup v2 socket hooks, and no cgroup2 is mounted: mount one (mount -t cgroup2 none /sys/fs/cgroup/unified), or give the guest network = \"isolated\"")
	}
	var addrs []netip.Addr
	for _, a := range c.Addresses {
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return err
		}
		addrs = append(addrs, addr)
	}
	low, err := walls.Confine(s.rec.CgroupV2, addrs)
	if err != nil {
		return err
	}
	if !low {
		s.logf("this kernel cannot waive CAP_NET_BIND_SERVICE from a bind hook (Linux 5.14): the guest cannot bind ports below 1024")
	}
	return nil
}

// veth gives an isolated guest its veth pair (veth.add), recorded before
// it is made.
func (s *supervisor) veth(v *ir.VethAdd) error {
	w := walls.Veth{Host: v.Name, Links: v.Links}
	for _, a := range v.Addresses {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return err
		}
		w.Addresses = append(w.Addresses, p)
	}
	tables, err := walls.ParseTables(v.Tables)
	if err != nil {
		return err
	}
	w.Tables = tables
	s.rec.Veth = v.Name
	for i, p := range w.Addresses {
		s.rec.Proxies = append(s.rec.Proxies, walls.Proxy{Link: v.Links[i], Address: p.Addr().String()})
	}
	if err := s.rec.save(s.dir); err != nil {
		return err
	}
	_, err = walls.MakeVeth(s.sp.NetNS, s.rec.Init.PID, w)
	return err
}

// teardown kills the init (and with it its PID namespace), then undoes
// what the record says was done.
func (s *supervisor) teardown() error {
	if c := s.child; c != nil {
		c.close()
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
		s.child = nil
	}
	if s.rec == nil {
		return nil
	}
	return undo(s.rec, s.dir)
}

// undo tears down what a record says was started, in the reverse order
// of the start: the guest's processes (killing its init ends every
// process of its PID namespace), the namespace files (the last
// references to the guest's mount namespace, whose mounts go with it),
// the cgroups (after whatever else joined them), and the record last, so
// that an undo that fails can be done again from it.
func undo(r *Record, dir string) error {
	var errs []error
	if r.Init.Alive() {
		syscall.Kill(r.Init.PID, syscall.SIGKILL)
		if !waitExit(r.Init, 10*time.Second) {
			errs = append(errs, fmt.Errorf("the guest's init %d survives SIGKILL", r.Init.PID))
		}
	}
	ns := filepath.Join(dir, nsDir)
	if err := unmountAll(ns); err != nil {
		errs = append(errs, err)
	} else if err := os.RemoveAll(ns); err != nil {
		errs = append(errs, err)
	}
	if err := removeCgroups(r.Cgroups, 10*time.Second); err != nil {
		errs = append(errs, err)
	}
	if r.Veth != "" {
		if err := walls.Unveth(r.NetNS, r.Veth, r.Proxies); err != nil {
			errs = append(errs, fmt.Errorf("the guest's network: %w", err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := os.Remove(filepath.Join(dir, recordFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// unmountAll detaches every mount at or below dir, deepest first.
func unmountAll(dir string) error {
	mps, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	for i := len(mps) - 1; i >= 0; i-- {
		if err := unix.Unmount(mps[i], unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("cannot unmount %s: %w", mps[i], err)
		}
	}
	if left, _ := mountsUnder(dir); len(left) > 0 {
		return fmt.Errorf("still mounted: %s", strings.Join(left, ", "))
	}
	return nil
}
