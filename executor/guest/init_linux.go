package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// The supervisor drives the guest's init before it executes the guest's
// program: one request at a time on the init's fd 3, one reply each on
// its fd 4. The reply to exec is {"exec": true} just before the program
// is executed; the supervisor then reads the end of the reply pipe (its
// close-on-exec end closes) or an error.
type request struct {
	Op    string         `json:"op"` // prepare, mount, exec
	Root  string         `json:"root"`
	Mount *ir.GuestMount `json:"mount,omitempty"`
	Exec  *initExec      `json:"exec,omitempty"`
}

type reply struct {
	Err  string `json:"err,omitempty"`
	Exec bool   `json:"exec,omitempty"`
}

// initExec is what the init does last, in this order.
type initExec struct {
	Nodename   string   `json:"nodename,omitempty"`
	Domainname string   `json:"domainname,omitempty"`
	Time       bool     `json:"time,omitempty"` // a time namespace whose clocks start at 0
	Pivot      bool     `json:"pivot"`          // pivot_root and detach the host's mounts, else chroot
	Limits     limits   `json:"limits"`
	Command    []string `json:"command,omitempty"` // empty: stay as a pid 1 that waits
}

// guestPath is the PATH of the guest's init and of the commands run in
// the guest.
const guestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func initMain() int {
	// The nice value and the bounding set are this thread's: the program
	// must be executed from it.
	runtime.LockOSThread()
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	requests := json.NewDecoder(os.NewFile(3, "requests"))
	replies := os.NewFile(4, "replies")
	enc := json.NewEncoder(replies)
	for {
		var r request
		if err := requests.Decode(&r); err != nil {
			// The supervisor went away: the start failed.
			return 1
		}
		var err error
		switch r.Op {
		case "prepare":
			err = prepareNamespace(r.Root)
		case "mount":
			err = mountInRoot(r.Root, r.Mount)
		case "exec":
			err = execInit(r.Root, r.Exec, enc, replies)
		default:
			err = fmt.Errorf("unknown request %q", r.Op)
		}
		if err := enc.Encode(reply{Err: errText(err)}); err != nil {
			return 1
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// execInit does the last steps inside the guest's namespaces and executes
// its init; it returns only on failure.
func execInit(root string, x *initExec, enc *json.Encoder, replies *os.File) error {
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
	if err := enterRoot(root, x.Pivot); err != nil {
		return err
	}
	if err := x.Limits.apply(); err != nil {
		return err
	}
	if len(x.Command) == 0 {
		if err := enc.Encode(reply{Exec: true}); err != nil {
			return err
		}
		replies.Close()
		os.NewFile(3, "").Close()
		waitForever()
	}
	os.Setenv("PATH", guestPath)
	prog, err := lookPath(x.Command[0])
	if err != nil {
		return err
	}
	if err := enc.Encode(reply{Exec: true}); err != nil {
		return err
	}
	env := []string{"PATH=" + guestPath, "HOME=/", "TERM=linux", "container=vsc"}
	err = syscall.Exec(prog, x.Command, env)
	return fmt.Errorf("cannot execute the guest's init %s: %w", strings.Join(x.Command, " "), err)
}

// enterRoot makes root the process's root. With pivot, root becomes the
// root of the mount namespace and the host's mounts are detached from
// it, so none is left in the guest (namespace.cleanup); without, chroot
// keeps them in the namespace, out of the guest's sight.
func enterRoot(root string, pivot bool) error {
	if !pivot {
		if err := unix.Chroot(root); err != nil {
			return fmt.Errorf("chroot %s: %w", root, err)
		}
		return unix.Chdir("/")
	}
	if err := unix.Chdir(root); err != nil {
		return fmt.Errorf("chdir %s: %w", root, err)
	}
	// pivot_root(".", ".") stacks the old root on the new one, without a
	// folder to put it in; detaching "." then leaves the new root alone.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", root, err)
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
