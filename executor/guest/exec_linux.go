package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"vsc/internal/nsenter"
)

// execSpec is what a command run in a guest gets besides the guest's
// namespaces and cgroups, which package nsenter joins.
type execSpec struct {
	Root   string   `json:"root"`
	Chroot bool     `json:"chroot"` // the guest did not pivot_root: its namespace's root is the host's
	Limits limits   `json:"limits"`
	Env    []string `json:"env"`
}

// envExec carries the execSpec to `vsc __guest exec`.
const envExec = "_VSC_GUEST_EXEC"

// ErrNotRunning is the error of what needs a running guest.
var ErrNotRunning = errors.New("not running")

// Command returns the command that runs argv inside the running guest
// name of host: in all its namespaces and its root, its cgroups, with
// its rlimits, nice value and capability bounding set. argv[0] is looked
// up in the guest's PATH. The command's environment is PATH, HOME=/root
// and the caller's TERM. Its exit status is the program's, 125 when vsc
// could not run it, 126 when it could not be executed, 127 when it was
// not found, 128+N when it was killed by signal N.
func Command(o Options, host, name string, argv []string) (*exec.Cmd, error) {
	if !nsenter.Enabled {
		return nil, errors.New("this vsc was built without cgo, which entering a guest needs (build it with CGO_ENABLED=1)")
	}
	if len(argv) == 0 {
		return nil, errors.New("no command to run")
	}
	dir := Dir(o.stateDir(), host, name)
	r, err := readRecord(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !r.enterable() {
		return nil, fmt.Errorf("guest %s is %w", name, ErrNotRunning)
	}
	if err != nil {
		return nil, err
	}
	seq, err := parse(r.Plan)
	if err != nil {
		return nil, err
	}
	env := []string{"PATH=" + guestPath, "HOME=/root"}
	if t := os.Getenv("TERM"); t != "" {
		env = append(env, "TERM="+t)
	}
	data, err := json.Marshal(execSpec{Root: r.Root, Chroot: !r.Pivoted, Limits: seq.limits(), Env: env})
	if err != nil {
		return nil, err
	}
	var procs []string
	for _, d := range r.Cgroups {
		procs = append(procs, filepath.Join(d, "cgroup.procs"))
	}
	cmd := reexec("exec", append([]string{name, "--"}, argv...)...)
	cmd.Env = append(cmd.Env, nsenter.EnvDir+"="+filepath.Join(dir, nsDir),
		nsenter.EnvCgroups+"="+strings.Join(procs, "\n"), envExec+"="+string(data))
	return cmd, nil
}

// Exec runs argv inside the running guest name of host (see Command)
// with the given standard streams, and returns its exit status. SIGTERM
// and SIGHUP sent to the caller are passed on; so are SIGINT and SIGQUIT
// unless stdin is a terminal, whose driver sends them to the command
// itself.
func Exec(o Options, host, name string, argv []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd, err := Command(o, host, name, argv)
	if err != nil {
		return 0, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	tty := false
	if f, ok := stdin.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		tty = err == nil
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if !tty || s != unix.SIGINT && s != unix.SIGQUIT {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, err
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// execMain runs in the guest, package nsenter having joined its
// namespaces and cgroups: it applies the guest's limits and executes
// the command. args are NAME -- ARGV….
func execMain(args []string) int {
	// The nice value and the bounding set are this thread's.
	runtime.LockOSThread()
	data, ok := os.LookupEnv(envExec)
	inside := os.Getenv(nsenter.EnvDir) != ""
	for _, v := range []string{envExec, nsenter.EnvDir, nsenter.EnvCgroups} {
		os.Unsetenv(v)
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "vsc exec: "+format+"\n", a...)
		return code
	}
	if !ok || !inside || !nsenter.Enabled {
		return fail(nsenter.ExitFailed, "run only by vsc exec, in a vsc built with cgo")
	}
	var spec execSpec
	if err := json.Unmarshal([]byte(data), &spec); err != nil {
		return fail(nsenter.ExitFailed, "%v", err)
	}
	i := slices.Index(args, "--")
	if i < 0 || i == len(args)-1 {
		return fail(nsenter.ExitFailed, "no command")
	}
	argv := args[i+1:]
	if spec.Chroot {
		if err := unix.Chroot(spec.Root); err != nil {
			return fail(nsenter.ExitFailed, "chroot %s: %v", spec.Root, err)
		}
	}
	if err := unix.Chdir("/"); err != nil {
		return fail(nsenter.ExitFailed, "%v", err)
	}
	if err := spec.Limits.apply(); err != nil {
		return fail(nsenter.ExitFailed, "%v", err)
	}
	prog, err := lookPath(argv[0])
	if err != nil {
		return fail(127, "%v", err)
	}
	err = syscall.Exec(prog, argv, spec.Env)
	return fail(126, "cannot execute %s: %v", prog, err)
}
