package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/executor"
	"vsc/executor/guest"
	"vsc/ir"
	"vsc/lang"
)

func init() {
	register(&command{name: "apply", synopsis: "bring the host to the plan", run: runApply})
	register(&command{name: "destroy", synopsis: "remove what vsc created on the host", run: runDestroy})
}

// hostFlags are the flags of every command that touches a host.
type hostFlags struct {
	configFlags
	host     string
	stateDir string
	netns    string
	// verified is set by planFor when the plan came from the compiler
	// (now or through the cache), which verified it; planKey then is its
	// key in the cache (executor.Options.PlanKey).
	verified bool
	planKey  string
	// adopt is apply's and destroy's --adopt (executor.Options.Adopt).
	adopt bool
}

func (h *hostFlags) register(fs *flag.FlagSet) {
	h.registerVars(fs)
	fs.StringVar(&h.host, "host", "", "the `HOST` of the configuration to act on (needed when it has several)")
	fs.StringVar(&h.stateDir, "state-dir", executor.DefaultStateDir, "where vsc keeps its record of each host (`DIR`)")
	fs.StringVar(&h.netns, "netns", "", "aim every network op at the network namespace `NAME` (/run/netns/NAME)")
}

// registerAdopt adds --adopt, for the commands that take a host's marked
// objects into a missing record.
func (h *hostFlags) registerAdopt(fs *flag.FlagSet) {
	fs.BoolVar(&h.adopt, "adopt", false, "when vsc has no record of the host, take as its own the objects carrying vsc's mark and the plan's objects the host already holds")
}

func (h *hostFlags) options(stdout, stderr io.Writer) executor.Options {
	o := executor.Options{StateDir: h.stateDir, NetNS: h.netns, Out: stdout, Verified: h.verified, PlanKey: h.planKey, Adopt: h.adopt}
	o.Waiting = func(holder string) {
		fmt.Fprintf(stderr, "vsc: waiting for another run on this host to finish (its lock is held by %s)…\n", orUnknown(holder))
	}
	if isTerminal(os.Stderr) {
		o.Progress = func(done, total int) {
			if total >= 50 {
				fmt.Fprintf(stderr, "\r[%d/%d]", done, total)
				if done == total {
					fmt.Fprint(stderr, "\r\033[K")
				}
			}
		}
	}
	return o
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown process"
	}
	return s
}

// buffered buffers the review lines of a long run unless they go to a
// terminal, where each line shows as it is done: thousands of lines to a
// file or pipe cost one write each otherwise.
func buffered(w io.Writer) (io.Writer, func()) {
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		return w, func() {}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	return bw, func() { bw.Flush() }
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func runApply(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("apply", "[PATH|PLANFILE] [--dry-run [-o FILE]] [--adopt] [--host HOST] [--state-dir DIR] [--netns NAME] [--var NAME=VALUE]", stderr)
	var hf hostFlags
	hf.register(fs)
	hf.registerAdopt(fs)
	dryRun := fs.Bool("dry-run", false, "print what would change, change nothing")
	out := fs.String("o", "", "with --dry-run: save the reviewed plan to `FILE`, to apply it later exactly as reviewed")
	cgroupParent := fs.String("cgroup-parent", guest.DefaultCgroupParent, "the parent of autostarted guests' cgroups (`PATH`; without a leading / it is below vsc's own cgroup)")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if *out != "" && !*dryRun {
		return usageError(fs, stderr, "-o saves a reviewed plan: use it with --dry-run")
	}
	plan, code, ok := planFor(fs, pos, &hf, stderr)
	if !ok {
		return code
	}
	stdout, flush := buffered(stdout)
	defer flush()
	res, ok := execute("apply", executor.Apply, plan, &hf, *dryRun, stdout, flush, stderr)
	if !ok {
		return exitFailed
	}
	switch {
	case *dryRun && *out != "":
		// A copy: the plan itself may be being cached, unreviewed.
		reviewed := *plan
		reviewed.ObservedDigest = res.Observed
		if err := reviewed.Seal(); err != nil {
			return internalError(stderr, err)
		}
		if err := savePlan(&reviewed, *out); err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "Reviewed plan saved to %s: apply it with `vsc apply %s`.\n", *out, *out)
	case *dryRun || res.Empty() && res.Gone == 0 && res.Adopted == 0:
	default:
		fmt.Fprintf(stdout, "\nApply complete: %d added, %d changed, %d removed%s.\n", res.Added, res.Changed, res.Removed, alreadyGone(res))
	}
	if !autostart(plan, &hf, *cgroupParent, *dryRun, stdout, stderr) {
		return exitFailed
	}
	return exitOK
}

// execute runs an executor run of the plan (apply or destroy) with the
// host flags, its review lines to stdout; a failure is said on stderr,
// after the lines already written (flush).
func execute(verb string, run func(*ir.Plan, executor.Options) (executor.Result, error), plan *ir.Plan, hf *hostFlags, dryRun bool, stdout io.Writer, flush func(), stderr io.Writer) (executor.Result, bool) {
	o := hf.options(stdout, stderr)
	o.DryRun = dryRun
	res, err := run(plan, o)
	if err != nil {
		flush()
		if dryRun {
			fmt.Fprintf(stderr, "vsc: this host could not take these changes: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "vsc: %s failed: %v\n", verb, err)
		}
		return res, false
	}
	return res, true
}

// autostart starts, after the host state, the guests with autostart =
// true that are not running (a dry run only says which it would start).
// It returns false when a start failed; the others are still tried.
func autostart(plan *ir.Plan, hf *hostFlags, cgroupParent string, dryRun bool, stdout, stderr io.Writer) bool {
	o := guest.Options{StateDir: hf.stateDir, NetNS: hf.netns, CgroupParent: cgroupParent, Out: stdout}
	started, err := guest.Started(o, plan.Host)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: cannot tell which guests run: %v\n", err)
		return false
	}
	running := map[string]bool{}
	for _, r := range started {
		running[r.Name] = true
	}
	ok := true
	for _, op := range plan.Ops {
		ie, isInit := op.Body.(*ir.InitExec)
		if !isInit || !ie.Autostart || running[ie.Guest] {
			continue
		}
		if dryRun {
			fmt.Fprintf(stdout, "+ start guest %s (autostart)  # %s\n", ie.Guest, op.Origin)
			continue
		}
		r, err := guest.Start(plan, ie.Guest, o)
		if err != nil {
			fmt.Fprintf(stderr, "vsc: autostart of guest %s failed: %v\n", ie.Guest, err)
			ok = false
			continue
		}
		fmt.Fprintf(stdout, "Guest %s started (autostart): init %d.\n", ie.Guest, r.Init.PID)
	}
	return ok
}

func runDestroy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("destroy", "[PATH|PLANFILE] [--dry-run] [--adopt] [--host HOST] [--state-dir DIR] [--netns NAME]", stderr)
	var hf hostFlags
	hf.register(fs)
	hf.registerAdopt(fs)
	dryRun := fs.Bool("dry-run", false, "print what would be removed, remove nothing")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	plan, code, ok := planFor(fs, pos, &hf, stderr)
	if !ok {
		return code
	}
	stdout, flush := buffered(stdout)
	defer flush()
	res, ok := execute("destroy", executor.Destroy, plan, &hf, *dryRun, stdout, flush, stderr)
	if !ok {
		return exitFailed
	}
	if !*dryRun && (!res.Empty() || res.Gone > 0 || res.Adopted > 0) {
		fmt.Fprintf(stdout, "\nDestroy complete: %d removed%s.\n", res.Removed, alreadyGone(res))
	}
	return exitOK
}

// alreadyGone ends a run's closing line with the objects it found gone
// and those it adopted.
func alreadyGone(res executor.Result) string {
	s := ""
	if res.Gone > 0 {
		s += fmt.Sprintf(", %d already gone", res.Gone)
	}
	if res.Adopted > 0 {
		s += fmt.Sprintf(", %d adopted", res.Adopted)
	}
	return s
}

// planFor returns the plan a host command acts on: a saved plan file
// (re-verified, and refused if its configuration changed since), or the
// plan of the configuration at PATH, compiled now.
func planFor(fs *flag.FlagSet, pos []string, hf *hostFlags, stderr io.Writer) (*ir.Plan, int, bool) {
	path, code, ok := onePath(fs, pos, stderr)
	if !ok {
		return nil, code, false
	}
	if isPlanFile(path) {
		p, err := readPlan(path)
		if err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return nil, exitFailed, false
		}
		if err := sameSource(p, &hf.configFlags); err != nil {
			fmt.Fprintf(stderr, "vsc: refusing %s: %v\n", path, err)
			return nil, exitFailed, false
		}
		return p, 0, true
	}
	// A configuration compiled before, unchanged, is not compiled again.
	cached := filepath.Join(hf.stateDir, cacheFile)
	if _, err := os.Stat(cached); err == nil {
		key := planCacheKey(path, hf)
		if p, warnings, ok := cachedPlan(hf.stateDir, key); ok {
			stderr.Write(warnings)
			hf.verified, hf.planKey = true, key
			return p, 0, true
		}
	}
	c, err := load(path, &hf.configFlags)
	if err != nil {
		return nil, internalError(stderr, err), false
	}
	var warnings bytes.Buffer
	if len(c.diags) > 0 {
		// Warnings too: a run is the last moment to see them.
		writeDiagnostics(&warnings, c.diags, c.cfg.Files)
		stderr.Write(warnings.Bytes())
	}
	if c.diags.HasErrors() {
		return nil, exitFailed, false
	}
	p, code, ok := pickPlan(fs, stderr, c.plans, hf.host)
	if ok {
		hf.verified = true
		// Kept under the key of the bytes compiled: files changed since
		// they were read make another key. Written while the plan is
		// applied; a command waits for it before it exits.
		if inputs, ok := c.cfg.InputsDigest(hf.langOptions()); ok {
			key := cacheKeyOf(inputs, hf.host)
			hf.planKey = key
			cacheWrites.Add(1)
			go func() {
				defer cacheWrites.Done()
				cachePlan(hf.stateDir, key, p, warnings.Bytes())
			}()
		}
	}
	return p, code, ok
}

// isPlanFile tells a saved plan from a configuration: a file that is not
// a *.vsc.hcl or *.vsc.json configuration and holds a JSON object (a
// configuration in HCL never starts with "{").
func isPlanFile(path string) bool {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || strings.HasSuffix(path, lang.SuffixNative) || strings.HasSuffix(path, lang.SuffixJSON) {
		return false
	}
	if strings.HasSuffix(path, ".json") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	return strings.HasPrefix(strings.TrimLeft(string(head[:n]), " \t\r\n"), "{")
}

// sameSource refuses a saved plan whose configuration changed since it
// was made: the configuration it names must still compile to the same
// source digest (with the --var values given now).
func sameSource(p *ir.Plan, cf *configFlags) error {
	if p.Source == "" {
		return fmt.Errorf("the plan names no configuration, so vsc cannot tell that it is current")
	}
	cfg, diags := lang.Load(p.Source, cf.langOptions())
	if diags.HasErrors() {
		return fmt.Errorf("its configuration %s no longer loads (%s): make a new plan", p.Source, diags[0].Summary)
	}
	if now := cfg.Digest(); now != p.SourceDigest {
		return fmt.Errorf("its configuration %s changed since the plan was made (digest %s, now %s): make a new plan with vsc compile -o or vsc apply --dry-run -o", p.Source, short(p.SourceDigest), short(now))
	}
	return nil
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}

// savePlan writes a sealed plan to a plan file. A plan that does not
// match its digest is refused: vsc would refuse it when it reads it.
func savePlan(p *ir.Plan, name string) error {
	if err := p.CheckDigest(); err != nil {
		return fmt.Errorf("internal error: the plan for host %s is not sealed as it is: %w", p.Host, err)
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("cannot save the plan: %w", err)
	}
	err = p.WriteJSON(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot save the plan: %w", err)
	}
	return nil
}
