package guest

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"vsc/executor/guest/walls"
	"vsc/ir"
)

// The supervisor drives the guest's init before it executes the guest's
// program: one request at a time on the init's fd 3 (a SOCK_SEQPACKET
// socket, see conn), one reply each. The init is cloned in the guest's
// user namespace, as the guest's root, and in namespaces that belong to
// it: what needs the host's root (the idmapped root tree, bind mounts of
// host folders, block devices, the /dev nodes, sysfs) the supervisor
// makes as detached mounts and sends with the request, and the init
// attaches them; the rest (proc, devpts, tmpfs, the masks) the init
// mounts itself. The reply to exec is {"exec": true} just before the
// program is executed; the supervisor then reads the end of the socket
// (the init's close-on-exec end closes) or an error.
type request struct {
	Op     string         `json:"op"` // prepare, root, attach, mount, mask, exec
	Target string         `json:"target,omitempty"`
	Prop   uintptr        `json:"prop,omitempty"` // attach: a propagation to set on the attached mount
	Mount  *ir.GuestMount `json:"mount,omitempty"`
	Mask   *ir.GuestMask  `json:"mask,omitempty"`
	Exec   *initExec      `json:"exec,omitempty"`
}

type reply struct {
	Err  string `json:"err,omitempty"`
	Exec bool   `json:"exec,omitempty"`
}

// initExec is what the init does last, in this order: names, time
// namespace, root, what the guest's processes inherit (walls), then the
// program. Its rlimits were set by the supervisor (prlimit) and its nice
// value came with the clone.
type initExec struct {
	Nodename   string   `json:"nodename,omitempty"`
	Domainname string   `json:"domainname,omitempty"`
	Time       bool     `json:"time,omitempty"` // a time namespace whose clocks start at 0
	Pivot      bool     `json:"pivot"`          // pivot_root and detach the host's mounts, else chroot
	Walls      inherit  `json:"walls"`
	Command    []string `json:"command,omitempty"` // empty: stay as a pid 1 that waits
}

// guestPath is the PATH of the guest's init and of the commands run in
// the guest.
const guestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func initMain() int {
	// The bounding set, the Landlock domain and the time namespace are
	// this thread's: the program must be executed from it.
	runtime.LockOSThread()
	unix.CloseOnExec(3)
	c := conn{3}
	in := &initState{rootfd: -1}
	failed := false
	for {
		var r request
		fds, err := c.recv(&r)
		if err != nil {
			// The supervisor went away: the start failed.
			return 1
		}
		if failed {
			// Requests queued behind one that failed are not done.
			err = fmt.Errorf("%s not done: an earlier step failed", r.Op)
		} else {
			err = in.do(&r, fds, c)
			failed = err != nil
		}
		closeAll(fds)
		if err := c.send(reply{Err: errText(err)}); err != nil {
			return 1
		}
	}
}

// initState is what the init keeps between requests: the guest's root,
// attached.
type initState struct {
	rootfd int
}

func (in *initState) do(r *request, fds []int, c conn) error {
	need := func(n int) error {
		if len(fds) != n {
			return fmt.Errorf("request %s came with %d file descriptors, not %d", r.Op, len(fds), n)
		}
		return nil
	}
	if r.Op != "prepare" && r.Op != "root" && in.rootfd < 0 {
		return fmt.Errorf("request %s before the guest's root", r.Op)
	}
	switch r.Op {
	case "prepare":
		// Nothing mounted here reaches the host.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("cannot make the guest's mount namespace private: %w", err)
		}
		return nil
	case "root":
		if err := need(1); err != nil {
			return err
		}
		return in.attachRoot(fds[0])
	case "attach":
		if err := need(1); err != nil {
			return err
		}
		if err := walls.Attach(in.rootfd, fds[0], r.Target); err != nil {
			return err
		}
		return propagate(in.rootfd, r.Target, r.Prop)
	case "mount":
		return mountInRoot(in.rootfd, r.Mount)
	case "mask":
		return walls.Mask(in.rootfd, r.Mask.Masked, r.Mask.Readonly)
	case "exec":
		return execInit(in.rootfd, r.Exec, c)
	}
	return fmt.Errorf("unknown request %q", r.Op)
}

// attachRoot puts the guest's root tree on top of the namespace's "/",
// and keeps it as the folder every later path is resolved in. pivot_root
// or chroot makes it the init's root at exec.
func (in *initState) attachRoot(tree int) error {
	if in.rootfd >= 0 {
		return errors.New("the guest's root is attached already")
	}
	// The tree's root becomes the working folder first: after the move it
	// is the root of the mount on "/", which a lookup of "/" would not
	// reach (it starts below it).
	if err := unix.Fchdir(tree); err != nil {
		return fmt.Errorf("the guest's root: %w", err)
	}
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, "/", unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("cannot attach the guest's root: move_mount: %w", err)
	}
	fd, err := unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("the guest's root: %w", err)
	}
	in.rootfd = fd
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// execInit does the last steps inside the guest's namespaces and executes
// its init; it returns only on failure.
func execInit(rootfd int, x *initExec, c conn) error {
	if x.Nodename != "" {
		if err := unix.Sethostname([]byte(x.Nodename)); err != nil {
			return fmt.Errorf("sethostname %q: %w", x.Nodename, err)
		}
	}
	if x.Domainname != "" {
		if err := unix.Setdomainname([]byte(x.Domainname)); err != nil {
			return fmt.Errorf("setdomainname %q: %w", x.Domainname, err)
		}
	}
	if x.Time {
		if err := newTimeNamespace(); err != nil {
			return err
		}
	}
	if err := enterRoot(rootfd, x.Pivot); err != nil {
		return err
	}
	filter, err := x.Walls.prepare()
	if err != nil {
		return err
	}
	var prog string
	if len(x.Command) > 0 {
		os.Setenv("PATH", guestPath)
		if prog, err = lookPath(x.Command[0]); err != nil {
			return err
		}
	}
	adoptNofile()
	if err := x.Walls.apply(filter, os.Stderr); err != nil {
		return err
	}
	// Nothing of vsc's but stdin, stdout and stderr reaches the guest.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	if err := c.send(reply{Exec: true}); err != nil {
		return err
	}
	if len(x.Command) == 0 {
		c.close()
		waitForever()
	}
	env := []string{"PATH=" + guestPath, "HOME=/", "TERM=linux", "container=vsc"}
	err = syscall.Exec(prog, x.Command, env)
	return fmt.Errorf("cannot execute the guest's init %s: %w", strings.Join(x.Command, " "), err)
}

// enterRoot makes the guest's root the process's root. With pivot, it
// becomes the root of the mount namespace and the host's mounts are
// detached from it, so none is left in the guest (namespace.cleanup);
// without, chroot keeps them in the namespace, out of the guest's sight.
func enterRoot(rootfd int, pivot bool) error {
	if err := unix.Fchdir(rootfd); err != nil {
		return fmt.Errorf("the guest's root: %w", err)
	}
	if !pivot {
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot into the guest's root: %w", err)
		}
		return unix.Chdir("/")
	}
	// pivot_root(".", ".") stacks the old root on the new one, without a
	// folder to put it in; detaching "." then leaves the new root alone.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root into the guest's root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("cannot detach the host's mounts: %w", err)
	}
	return unix.Chdir("/")
}

// newTimeNamespace makes the time namespace the init will be executed
// into (the program executed after unshare(CLONE_NEWTIME) enters it, in
// Linux 5.19 and later), with its monotonic and boot clocks set back to
// about 0: the guest's uptime starts with it (util-vserver's
// virt_uptime).
func newTimeNamespace() error {
	if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
		return fmt.Errorf("cannot make a time namespace (flag virt_uptime; Linux 5.6 or later): %w", err)
	}
	var mono, boot unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot)
	offsets := fmt.Sprintf("monotonic %d 0\nboottime %d 0\n", -mono.Sec, -boot.Sec)
	if err := os.WriteFile("/proc/self/timens_offsets", []byte(offsets), 0); err != nil {
		return fmt.Errorf("cannot set the clocks of the guest's time namespace: %w", err)
	}
	return nil
}

// lookPath finds a program in the guest's PATH (the process's root is
// the guest's by now).
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("%s: %w", name, errors.Unwrap(err))
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(guestPath) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in the guest's PATH %s", name, guestPath)
}

// waitForever is the pid 1 of a guest without init (init.style none): it
// reaps the orphans of the namespace and ends on TERM, INT or HUP, which
// a pid 1 only gets when it handles them.
func waitForever() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGCHLD)
	for s := range sigs {
		if s != unix.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
