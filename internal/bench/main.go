// Command bench measures vsc check on generated configurations of many
// guests against parsing alone, in time and peak memory (`make bench`).
//
//	go run ./internal/bench [-sizes 1000,10000,100000] [-runs 3] [-keep] [-plan=false] [-fleet=false] [-apply=false] [-guests=false]
//
// Then (plan.go) vsc compile and vsc verify of one table of 5,000 routes
// and 500 rules up to 50,000 and 5,000, with the plans' sizes; vsc check
// of 100,000 guests on 10 hosts and on 1,000; and, as root, vsc apply
// against ip -batch (apply.go) and a guest's start and exec (guest.go).
//
// For each size it generates a configuration (internal/benchgen), then runs
// in child processes, each -runs times: `vsc check DIR` with a vsc binary
// built once, and this program re-executed as `bench parse DIR`, which only
// reads and parses the files. It reports the best wall time and the
// largest peak RSS of each, then checks the performance targets. A missed
// target is reported as FAIL but does not change the exit status: this is
// a report. A check that does not pass cleanly is an error (exit 1).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"vsc/internal/benchgen"
)

// Targets of the issue.
const (
	targetGuests  = 10000
	targetTime    = time.Second
	targetRSS     = 200 << 20 // 200 MiB
	targetGrowth  = 2.0       // µs/guest at 100k over µs/guest at 10k
	targetOverPar = 3.0       // check time over parse time
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "parse" {
		parseMode(os.Args[2])
		return
	}
	sizesFlag := flag.String("sizes", "1000,10000,100000", "comma-separated `numbers` of guests")
	runs := flag.Int("runs", 3, "runs of each measurement; the best time and the largest peak RSS are reported")
	keep := flag.Bool("keep", false, "keep the generated configurations and the vsc binary")
	apply := flag.Bool("apply", true, "also measure vsc apply against ip -batch (as root, in network namespaces it makes)")
	guests := flag.Bool("guests", true, "also measure vsc start, stop and exec of a busybox guest against nsenter (as root)")
	plan := flag.Bool("plan", true, "also measure vsc compile and verify of one table of 5,000 to 50,000 routes")
	fleet := flag.Bool("fleet", true, "also measure vsc check of 100,000 guests on 10 hosts against 1,000")
	perFile := flag.Int("per-file", 1000, "guests per generated file")
	flag.Parse()
	sizes, err := parseSizes(*sizesFlag)
	if err != nil || *runs < 1 || flag.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("-runs must be at least 1, and no arguments follow the flags")
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		flag.Usage()
		os.Exit(2)
	}
	if err := run(sizes, *runs, *keep, *perFile, parts{apply: *apply, guests: *guests, plan: *plan, fleet: *fleet}); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseMode is the hidden `bench parse DIR`: the parse-only baseline, run
// as a child process so that its time and peak RSS are its own.
func parseMode(dir string) {
	files, err := benchgen.Parse(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench parse:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(files)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes: %q is not a positive number of guests", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// measure is the best of several runs of one command.
type measure struct {
	best   time.Duration
	maxRSS int64 // bytes
}

type row struct {
	guests       int
	stats        benchgen.Stats
	check, parse measure
}

func (r row) usPerGuest() float64 {
	return float64(r.check.best.Microseconds()) / float64(r.guests)
}

func (r row) ratio() float64 { return float64(r.check.best) / float64(r.parse.best) }

// parts are the measurements run after the check's.
type parts struct{ apply, guests, plan, fleet bool }

func run(sizes []int, runs int, keep bool, perFile int, do parts) error {
	tmp, err := os.MkdirTemp("", "vsc-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	vsc := filepath.Join(tmp, "vsc")
	fmt.Printf("building vsc (go build -o %s ./cmd/vsc)\n", vsc)
	build := exec.Command(goTool(), "build", "-o", vsc, "./cmd/vsc")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building vsc: %w", err)
	}
	fmt.Printf("%s %s/%s, %d CPUs, GOMAXPROCS=%s, %d runs each\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), envOr("GOMAXPROCS", "default"), runs)

	var rows []row
	for _, n := range sizes {
		dir := filepath.Join(tmp, fmt.Sprintf("guests-%d", n))
		start := time.Now()
		st, err := benchgen.Write(dir, benchgen.Options{Guests: n, GuestsPerFile: perFile})
		if err != nil {
			return err
		}
		fmt.Printf("%d guests: %d hosts, %d files, %.1f MiB generated in %v\n",
			n, st.Hosts, st.Files, float64(st.Bytes)/(1<<20), time.Since(start).Round(time.Millisecond))

		r := row{guests: n, stats: st}
		if r.check, err = repeat(runs, func() (time.Duration, int64, error) {
			return child(true, vsc, "check", dir)
		}); err != nil {
			return fmt.Errorf("vsc check of %d guests: %w", n, err)
		}
		fmt.Printf("  check  best %-10v peak RSS %6.1f MiB\n", r.check.best.Round(time.Millisecond), mib(r.check.maxRSS))
		if r.parse, err = repeat(runs, func() (time.Duration, int64, error) {
			return child(false, self, "parse", dir)
		}); err != nil {
			return fmt.Errorf("parsing %d guests: %w", n, err)
		}
		fmt.Printf("  parse  best %-10v peak RSS %6.1f MiB\n", r.parse.best.Round(time.Millisecond), mib(r.parse.maxRSS))
		rows = append(rows, r)
		if !keep {
			os.RemoveAll(dir)
		}
	}

	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "guests\tMiB of HCL\tcheck\tcheck peak RSS MiB\tparse\tparse peak RSS MiB\tcheck/parse\tµs/guest\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.1f\t%v\t%.1f\t%v\t%.1f\t%.2f×\t%.1f\t\n",
			r.guests, float64(r.stats.Bytes)/(1<<20),
			r.check.best.Round(time.Millisecond), mib(r.check.maxRSS),
			r.parse.best.Round(time.Millisecond), mib(r.parse.maxRSS),
			r.ratio(), r.usPerGuest())
	}
	tw.Flush()
	fmt.Println()
	targets(rows)
	if do.plan {
		fmt.Println()
		if err := planBench(vsc, tmp, runs); err != nil {
			return err
		}
	}
	if do.fleet {
		fmt.Println()
		if err := fleetBench(vsc, tmp, runs); err != nil {
			return err
		}
	}
	if do.apply {
		fmt.Println()
		if err := applyBench(vsc, tmp, runs); err != nil {
			return err
		}
	}
	if do.guests {
		fmt.Println()
		return guestBench(vsc, tmp)
	}
	return nil
}

// verdicts prints PASS and FAIL lines (made with passFail), then their
// summary.
func verdicts(what string, lines []string) {
	fails := 0
	for _, v := range lines {
		if strings.HasPrefix(v, "FAIL") {
			fails++
		}
		fmt.Println(v)
	}
	summary(what, fails)
}

// summary closes a list of verdicts.
func summary(what string, fails int) {
	if fails > 0 {
		fmt.Printf("\n%d %s target(s) missed.\n", fails, what)
	} else {
		fmt.Printf("\nAll measured %s targets met.\n", what)
	}
}

// targets prints PASS, FAIL or SKIP for each target of the issue.
func targets(rows []row) {
	find := func(n int) *row {
		for i := range rows {
			if rows[i].guests == n {
				return &rows[i]
			}
		}
		return nil
	}
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "FAIL"
	}
	fails := 0
	report := func(ok bool, format string, args ...any) {
		if !ok {
			fails++
		}
		fmt.Printf("%s  %s\n", verdict(ok), fmt.Sprintf(format, args...))
	}
	skip := func(format string, args ...any) { fmt.Printf("SKIP  %s\n", fmt.Sprintf(format, args...)) }

	if r := find(targetGuests); r != nil {
		report(r.check.best < targetTime, "%d guests checked in under %v: %v", targetGuests, targetTime, r.check.best.Round(time.Millisecond))
		report(r.check.maxRSS < targetRSS, "peak RSS under %d MiB at %d guests: %.1f MiB", targetRSS>>20, targetGuests, mib(r.check.maxRSS))
	} else {
		skip("%d guests checked in under %v: not measured (-sizes)", targetGuests, targetTime)
		skip("peak RSS under %d MiB at %d guests: not measured (-sizes)", targetRSS>>20, targetGuests)
	}
	if lo, hi := find(10000), find(100000); lo != nil && hi != nil {
		g := hi.usPerGuest() / lo.usPerGuest()
		report(g <= targetGrowth, "linear growth, µs/guest at 100,000 at most %.0f× that at 10,000: %.1f / %.1f = %.2f×",
			targetGrowth, hi.usPerGuest(), lo.usPerGuest(), g)
	} else {
		skip("linear growth (µs/guest 100,000 vs 10,000): needs both sizes (-sizes)")
	}
	for _, r := range rows {
		report(r.ratio() <= targetOverPar, "check within %.0f× of parse-only at %d guests: %.2f×", targetOverPar, r.guests, r.ratio())
	}
	summary("check", fails)
}

func repeat(runs int, f func() (time.Duration, int64, error)) (measure, error) {
	var m measure
	for i := 0; i < runs; i++ {
		d, rss, err := f()
		if err != nil {
			return m, err
		}
		if i == 0 || d < m.best {
			m.best = d
		}
		m.maxRSS = max(m.maxRSS, rss)
	}
	return m, nil
}

// child runs one command and returns its wall time and peak RSS. It fails
// on a non-zero exit and, for vsc check, on any diagnostic: the generated
// configuration must check cleanly, errors and warnings alike.
func child(isCheck bool, name string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, head(stdout.String()), head(stderr.String()))
	}
	if isCheck && strings.TrimSpace(stdout.String()) != "No problems found." {
		return 0, 0, fmt.Errorf("%s %s reported problems; the generated configuration must check with no error and no warning:\n%s%s",
			name, strings.Join(args, " "), head(stdout.String()), head(stderr.String()))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, fmt.Errorf("no rusage on %s", runtime.GOOS)
	}
	return elapsed, maxrssBytes(ru), nil
}

// maxrssBytes converts ru_maxrss, in KiB on Linux and in bytes on macOS.
func maxrssBytes(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

func head(s string) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 40 {
		return strings.Join(lines[:40], "") + fmt.Sprintf("… (%d more lines)\n", len(lines)-40)
	}
	return s
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func goTool() string { return envOr("GO", "go") }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// moduleRoot is the folder of vsc's go.mod, so that bench runs from any
// folder inside the module.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the vsc module: run from its folder")
	}
	return filepath.Dir(mod), nil
}
