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
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"vsc/internal/nsenter"
)

// execSpec is what a command run in a guest gets besides the guest's
// namespaces, cgroups and limits, which package nsenter's constructor
// joins and sets.
type execSpec struct {
	Root   string   `json:"root"`
	Chroot bool     `json:"chroot,omitempty"` // a guest of an older vsc, without user namespace, that did not pivot_root
	Walls  inherit  `json:"walls"`
	Env    []string `json:"env"`
	TTY    bool     `json:"tty,omitempty"`
	Rows   uint16   `json:"rows,omitempty"`
	Cols   uint16   `json:"cols,omitempty"`
}

// envExec carries the execSpec to `vsc __guest exec`.
const envExec = "_VSC_GUEST_EXEC"

// ErrNotRunning is the error of what needs a running guest.
var ErrNotRunning = errors.New("not running")

// ExecOptions say how a command runs in a guest.
type ExecOptions struct {
	// Env adds NAME=VALUE variables to the command's clean environment.
	Env []string
	// TTY gives the command a terminal of the guest's own (a pty of its
	// devpts) as its stdin, stdout, stderr and controlling terminal, which
	// Exec relays to its streams (vsc enter).
	TTY bool
}

// Command returns the command that runs argv inside the running guest
// name of host: in all its namespaces and its root, its cgroups, with
// its rlimits, nice value, capability bounding set and syscall filter,
// in /, as its root. argv[0] is looked up in the guest's PATH. The
// command's environment is PATH, HOME=/root, the caller's TERM and
// x.Env, nothing else of the caller's. It holds no descriptor but 0–2.
// Its exit status is the program's, 125 when vsc could not run it, 126
// when it could not be executed, 127 when it was not found, 128+N when it
// was killed by signal N.
func Command(o Options, host, name string, argv []string, x ExecOptions) (*exec.Cmd, error) {
	if !nsenter.Enabled {
		return nil, errors.New("this vsc was built without cgo, which entering a guest needs (build it with CGO_ENABLED=1)")
	}
	if len(argv) == 0 {
		return nil, errors.New("no command to run")
	}
	env := []string{"PATH=" + guestPath, "HOME=/root"}
	if t := os.Getenv("TERM"); t != "" {
		env = append(env, "TERM="+t)
	}
	for _, kv := range x.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, "\x00") || strings.Contains(kv, "\x00") {
			return nil, fmt.Errorf("environment variable %q is not NAME=VALUE", kv)
		}
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, kv)
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
	spec := execSpec{Root: r.Root, Chroot: !r.Pivoted && !slices.Contains(r.NS, "user"), Walls: seq.inherit(), Env: env, TTY: x.TTY}
	if x.TTY {
		if ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err == nil {
			spec.Rows, spec.Cols = ws.Row, ws.Col
		}
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var procs []string
	for _, d := range r.Cgroups {
		procs = append(procs, filepath.Join(d, "cgroup.procs"))
	}
	l := seq.limits()
	cmd := reexec("exec", append([]string{name, "--"}, argv...)...)
	// Only what the constructor and execMain read: the caller's
	// environment stays outside.
	cmd.Env = []string{nsenter.EnvDir + "=" + filepath.Join(dir, nsDir),
		nsenter.EnvCgroups + "=" + strings.Join(procs, "\n"), nsenter.EnvLimits + "=" + l.env()}
	if x.TTY {
		// The terminal is Go's work, in execMain.
		cmd.Env = append(cmd.Env, envExec+"="+string(data))
		return cmd, nil
	}
	// The constructor does the rest itself, without starting Go: the
	// command's environment is the process's, less the _VSC_ variables.
	walls, err := spec.Walls.constructorEnv()
	if err != nil {
		return nil, err
	}
	cmd.Env = append(append(cmd.Env, nsenter.EnvExec+"=1"), walls...)
	if spec.Chroot {
		cmd.Env = append(cmd.Env, nsenter.EnvChroot+"="+spec.Root)
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd, nil
}

// Exec runs argv inside the running guest name of host (see Command)
// with the given standard streams, and returns its exit status. SIGTERM
// and SIGHUP sent to the caller are passed on; so are SIGINT and SIGQUIT
// unless stdin is a terminal, whose driver sends them to the command
// itself. With x.TTY, the command's terminal is relayed to the streams,
// stdin in raw mode when it is a terminal.
func Exec(o Options, host, name string, argv []string, x ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd, err := Command(o, host, name, argv, x)
	if err != nil {
		return 0, err
	}
	var tty *ptyRelay
	if x.TTY {
		if tty, err = newPtyRelay(cmd); err != nil {
			return 0, err
		}
		cmd.Stderr = stderr
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT)
	defer signal.Stop(sigs)
	err = cmd.Start()
	for _, f := range cmd.ExtraFiles {
		f.Close() // the command's end of the terminal's socket is its own now
	}
	if err != nil {
		if tty != nil {
			tty.close()
		}
		return 0, err
	}
	terminal := false
	if f, ok := stdin.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		terminal = err == nil
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if !terminal || s != unix.SIGINT && s != unix.SIGQUIT {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	var relayed <-chan struct{}
	if tty != nil {
		if relayed, err = tty.run(stdin, stdout); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return 0, err
		}
	}
	err = cmd.Wait()
	if tty != nil {
		tty.finish(relayed)
	}
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
// namespaces and cgroups and set its limits: it applies the guest's walls
// and executes the command. args are NAME -- ARGV….
func execMain(args []string) int {
	// The bounding set and the Landlock domain are this thread's.
	runtime.LockOSThread()
	data, ok := os.LookupEnv(envExec)
	inside := os.Getenv(nsenter.EnvDir) != ""
	os.Clearenv()
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
	filter, err := spec.Walls.prepare()
	if err != nil {
		return fail(nsenter.ExitFailed, "%v", err)
	}
	os.Setenv("PATH", guestPath)
	prog, err := lookPath(argv[0])
	if err != nil {
		return fail(127, "%v", err)
	}
	if spec.TTY {
		if err := takeTerminal(&spec); err != nil {
			return fail(nsenter.ExitFailed, "%v", err)
		}
	}
	if err := spec.Walls.apply(filter, os.Stderr); err != nil {
		return fail(nsenter.ExitFailed, "%v", err)
	}
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fail(nsenter.ExitFailed, "close_range: %v", err)
	}
	err = syscall.Exec(prog, argv, spec.Env)
	return fail(126, "cannot execute %s: %v", prog, err)
}

// takeTerminal opens a terminal of the guest's devpts, sends its master
// to vsc on fd 3, and makes its other end the process's controlling
// terminal, stdin, stdout and stderr.
func takeTerminal(spec *execSpec) error {
	c := conn{3}
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("the guest's /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlockpt: %w", err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		return fmt.Errorf("the terminal's other end (TIOCGPTPEER): %w", errno)
	}
	slave := int(r)
	if spec.Rows > 0 && spec.Cols > 0 {
		unix.IoctlSetWinsize(slave, unix.TIOCSWINSZ, &unix.Winsize{Row: spec.Rows, Col: spec.Cols})
	}
	if err := c.send(struct{}{}, master); err != nil {
		return fmt.Errorf("cannot pass the terminal to vsc: %w", err)
	}
	c.close()
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(slave, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("TIOCSCTTY: %w", err)
	}
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("dup3: %w", err)
		}
	}
	return unix.Close(slave)
}

// ptyRelay relays a command's terminal (its master, sent by the command)
// to vsc's streams.
type ptyRelay struct {
	mine   conn
	master *os.File
	raw    *term.State
	stdin  int
}

// newPtyRelay gives cmd the socket its terminal's master comes back on
// (its fd 3).
func newPtyRelay(cmd *exec.Cmd) (*ptyRelay, error) {
	mine, theirs, err := newConnPair()
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(theirs.fd), "pty")
	cmd.ExtraFiles = []*os.File{f}
	return &ptyRelay{mine: mine, stdin: -1}, nil
}

// run takes the master and relays; the channel closes when the output
// has been relayed to its end.
func (p *ptyRelay) run(stdin io.Reader, stdout io.Writer) (<-chan struct{}, error) {
	fds, err := p.mine.recv(&struct{}{})
	p.mine.close()
	if err != nil || len(fds) != 1 {
		closeAll(fds)
		return nil, fmt.Errorf("the command ended before it had a terminal (see its output)")
	}
	p.master = os.NewFile(uintptr(fds[0]), "pty master")
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.stdin = int(f.Fd())
		if p.raw, err = term.MakeRaw(p.stdin); err != nil {
			return nil, err
		}
		p.resize()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		go func() {
			for range winch {
				p.resize()
			}
		}()
	}
	go func() {
		io.Copy(p.master, stdin)
		if p.raw == nil {
			// stdin is not a terminal: its end is the terminal's end of
			// file (^D), as when one types it.
			p.master.Write([]byte{4})
		}
	}()
	out := make(chan struct{})
	go func() {
		io.Copy(stdout, p.master) // ends with EIO once nothing holds the terminal
		close(out)
	}()
	return out, nil
}

func (p *ptyRelay) resize() {
	if ws, err := unix.IoctlGetWinsize(p.stdin, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(p.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// finish waits a moment for the last output, then gives the terminal
// back.
func (p *ptyRelay) finish(out <-chan struct{}) {
	select {
	case <-out:
	case <-time.After(200 * time.Millisecond):
		// Something the command left holds the terminal.
	}
	p.close()
}

func (p *ptyRelay) close() {
	if p.raw != nil {
		term.Restore(p.stdin, p.raw)
		p.raw = nil
	}
	if p.master != nil {
		p.master.Close()
	}
	p.mine.close()
}
