package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"vsc/executor/guest"
	_ "vsc/internal/nsenter" // joins a guest's namespaces before the Go runtime starts, for vsc exec
	"vsc/ir"
	"vsc/lang"
)

func init() {
	// A guest's supervisor, its init before it executes the guest's
	// program, and the commands vsc exec runs in it are this binary run
	// again as `vsc __guest MODE …`: run that before anything else, and
	// never list it among the commands.
	if len(os.Args) > 1 && os.Args[1] == guest.ReexecCommand {
		os.Exit(guest.Main(os.Args[2:]))
	}
	register(&command{name: "start", synopsis: "start a guest", run: runStart})
	register(&command{name: "stop", synopsis: "stop a guest, as it was started", run: runStop})
	register(&command{name: "restart", synopsis: "stop a guest if it runs, then start it", run: runRestart})
	register(&command{name: "exec", synopsis: "run a command inside a guest, or inside every running guest", run: runExec})
	register(&command{name: "enter", synopsis: "run a shell inside a guest", run: runEnter})
	register(&command{name: "status", synopsis: "show every guest: state, init pid, addresses, disk use", run: runStatus})
}

// guestFlags are the flags of the guest commands: those of every command
// that touches a host, and how guests run.
type guestFlags struct {
	hostFlags
	cgroupParent string
	timeout      time.Duration
	force        bool
}

func (g *guestFlags) register(fs *flag.FlagSet, starts, stops bool) {
	g.hostFlags.register(fs)
	if starts {
		fs.StringVar(&g.cgroupParent, "cgroup-parent", guest.DefaultCgroupParent, "the parent of the guests' cgroups (`PATH`; without a leading / it is below vsc's own cgroup)")
	}
	if stops {
		fs.DurationVar(&g.timeout, "timeout", guest.DefaultTimeout, "how long the guest's init has after SIGTERM before SIGKILL (`DURATION`)")
		fs.BoolVar(&g.force, "force", false, "stop even when a pre_stop hook fails")
	}
}

func (g *guestFlags) options(stdout, stderr io.Writer, name string) guest.Options {
	return guest.Options{StateDir: g.stateDir, NetNS: g.netns, CgroupParent: g.cgroupParent,
		Timeout: g.timeout, Force: g.force, Out: stdout,
		Waiting: func() {
			fmt.Fprintf(stderr, "vsc: waiting for another start or stop of guest %s to finish…\n", name)
		}}
}

func runStart(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("start", "NAME [PATH|PLANFILE] [--host HOST] [--state-dir DIR] [--netns NAME] [--cgroup-parent PATH] [--var NAME=VALUE]", stderr)
	var gf guestFlags
	gf.register(fs, true, false)
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	name, plan, code, ok := guestAndPlan(fs, pos, &gf.hostFlags, stderr)
	if !ok {
		return code
	}
	return start(&gf, name, plan, stdout, stderr)
}

// start starts guest name of the plan.
func start(gf *guestFlags, name string, plan *ir.Plan, stdout, stderr io.Writer) int {
	o := gf.options(stdout, stderr, name)
	begin := time.Now()
	r, err := guest.Start(plan, name, o)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: start %s: %v\n", name, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Guest %s started in %s: init %d.\n", name, time.Since(begin).Round(time.Millisecond), r.Init.PID)
	return exitOK
}

func runStop(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("stop", "NAME [--timeout DURATION] [--force] [--host HOST] [--state-dir DIR]", stderr)
	var gf guestFlags
	gf.register(fs, false, true)
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "takes the NAME of one guest, got %d arguments", len(pos))
	}
	return stop(&gf, pos[0], stdout, stderr, false)
}

// stop stops a guest from what was started, whatever the configuration
// says now. With quietIfStopped, a guest that is not running is no error.
func stop(gf *guestFlags, name string, stdout, stderr io.Writer, quietIfStopped bool) int {
	o := gf.options(stdout, stderr, name)
	host := gf.host
	if host == "" {
		h, err := guest.HostOf(o, name)
		if err != nil {
			if quietIfStopped && errors.Is(err, guest.ErrNotRunning) {
				return exitOK
			}
			fmt.Fprintf(stderr, "vsc: stop %s: %v\n", name, err)
			return exitFailed
		}
		host = h
	}
	begin := time.Now()
	if err := guest.Stop(host, name, o); err != nil {
		if quietIfStopped && errors.Is(err, guest.ErrNotRunning) {
			return exitOK
		}
		fmt.Fprintf(stderr, "vsc: stop %s: %v\n", name, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Guest %s stopped in %s.\n", name, time.Since(begin).Round(time.Millisecond))
	return exitOK
}

func runRestart(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("restart", "NAME [PATH|PLANFILE] [--timeout DURATION] [--force] [--host HOST] [--state-dir DIR] [--netns NAME] [--cgroup-parent PATH] [--var NAME=VALUE]", stderr)
	var gf guestFlags
	gf.register(fs, true, true)
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	// Compile first: a configuration that does not compile leaves the
	// guest running.
	name, plan, code, ok := guestAndPlan(fs, pos, &gf.hostFlags, stderr)
	if !ok {
		return code
	}
	if _, err := guest.GuestPlan(plan, name); err != nil {
		fmt.Fprintf(stderr, "vsc: restart %s: %v\n", name, err)
		return exitFailed
	}
	if code := stop(&gf, name, stdout, stderr, true); code != exitOK {
		return code
	}
	return start(&gf, name, plan, stdout, stderr)
}

// envFlags collects --env NAME=VALUE, repeated.
type envFlags []string

func (e *envFlags) String() string { return strings.Join(*e, " ") }

func (e *envFlags) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

func runExec(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("exec", "NAME -- COMMAND [ARG…] | --all -- COMMAND [ARG…]  [--env NAME=VALUE] [--tty] [--host HOST] [--state-dir DIR]", stderr)
	var gf guestFlags
	gf.register(fs, false, false)
	all := fs.Bool("all", false, "run the command in every running guest, one after the other, each line of output prefixed with the guest's name")
	var x guest.ExecOptions
	fs.Var((*envFlags)(&x.Env), "env", "add `NAME=VALUE` to the command's environment (repeat it for several)")
	fs.BoolVar(&x.TTY, "tty", false, "give the command a terminal of the guest's own")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if *all {
		if len(pos) == 0 {
			return usageError(fs, stderr, "no COMMAND to run")
		}
		if x.TTY {
			return usageError(fs, stderr, "--tty runs one command in one guest, not --all")
		}
		return execAll(&gf, pos, x, stdout, stderr)
	}
	if len(pos) < 2 {
		return usageError(fs, stderr, "needs a guest NAME and a COMMAND")
	}
	return execIn(&gf, pos[0], pos[1:], x, stdout, stderr)
}

func runEnter(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("enter", "NAME [--env NAME=VALUE] [--host HOST] [--state-dir DIR]", stderr)
	var gf guestFlags
	gf.register(fs, false, false)
	// A terminal of the guest's own when there is one to relay it to, as
	// ssh allocates one only for a terminal.
	x := guest.ExecOptions{TTY: term.IsTerminal(int(os.Stdin.Fd()))}
	fs.Var((*envFlags)(&x.Env), "env", "add `NAME=VALUE` to the shell's environment (repeat it for several)")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "takes the NAME of one guest, got %d arguments", len(pos))
	}
	return execIn(&gf, pos[0], []string{"/bin/sh", "-l"}, x, stdout, stderr)
}

// execIn runs a command in a guest with this process's stdin and returns
// its exit status.
func execIn(gf *guestFlags, name string, argv []string, x guest.ExecOptions, stdout, stderr io.Writer) int {
	o := gf.options(stdout, stderr, name)
	host := gf.host
	if host == "" {
		h, err := guest.HostOf(o, name)
		if err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
		host = h
	}
	code, err := guest.Exec(o, host, name, argv, x, os.Stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
	return code
}

// execAll runs a command in every running guest; it fails unless the
// command succeeds in all of them.
func execAll(gf *guestFlags, argv []string, x guest.ExecOptions, stdout, stderr io.Writer) int {
	o := gf.options(stdout, stderr, "")
	res, err := guest.ExecAll(o, gf.host, argv, x, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
	if len(res) == 0 {
		fmt.Fprintln(stderr, "vsc: no guest is running")
		return exitOK
	}
	code := exitOK
	for _, r := range res {
		switch {
		case r.Err != nil:
			fmt.Fprintf(stderr, "vsc: %s: %v\n", r.Name, r.Err)
			code = exitFailed
		case r.Code != 0:
			fmt.Fprintf(stderr, "vsc: %s: exit status %d\n", r.Name, r.Code)
			code = exitFailed
		}
	}
	return code
}

func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", "[PATH|PLANFILE] [--format text|json] [--host HOST] [--state-dir DIR]", stderr)
	var gf guestFlags
	gf.register(fs, false, false)
	fs.StringVar(&gf.format, "format", "text", "output format: `text` or json")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if code, ok := gf.checkFormat(fs, stderr); !ok {
		return code
	}
	path, code, ok := onePath(fs, pos, stderr)
	if !ok {
		return code
	}
	var plan *ir.Plan
	if len(pos) > 0 || hasConfig(path) {
		plan, code, ok = planFor(fs, []string{path}, &gf.hostFlags, stderr)
		if !ok {
			return code
		}
	}
	list, err := guest.List(plan, gf.host, gf.options(stdout, stderr, ""))
	if err != nil {
		fmt.Fprintf(stderr, "vsc: status: %v\n", err)
		return exitFailed
	}
	if gf.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Guests []guest.Status `json:"guests"`
		}{list}); err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tPID\tCONTEXT\tADDRESSES\tDISK_KIB")
	for _, g := range list {
		pid, disk, addrs, ctx := "-", "-", "-", "-"
		if g.PID != nil {
			pid = strconv.Itoa(*g.PID)
		}
		if g.DiskUsedKiB != nil {
			disk = strconv.FormatUint(*g.DiskUsedKiB, 10)
		}
		if len(g.Addresses) > 0 {
			addrs = strings.Join(g.Addresses, ",")
		}
		if g.Context != 0 {
			ctx = strconv.Itoa(g.Context)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", g.Name, g.State, pid, ctx, addrs, disk)
	}
	tw.Flush()
	return exitOK
}

// hasConfig tells whether path holds a configuration or a plan to read:
// without one, vsc status reports the guests of the state dir.
func hasConfig(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !st.IsDir() {
		return true
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), lang.SuffixNative) || strings.HasSuffix(e.Name(), lang.SuffixJSON) {
			return true
		}
	}
	return false
}

// guestAndPlan reads NAME [PATH|PLANFILE]: the guest's name on the host,
// and the plan of its configuration (or the saved plan).
func guestAndPlan(fs *flag.FlagSet, pos []string, hf *hostFlags, stderr io.Writer) (string, *ir.Plan, int, bool) {
	if len(pos) == 0 {
		return "", nil, usageError(fs, stderr, "which guest? Give its NAME"), false
	}
	plan, code, ok := planFor(fs, pos[1:], hf, stderr)
	return pos[0], plan, code, ok
}
