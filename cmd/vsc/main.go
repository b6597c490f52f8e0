// Command vsc checks, compiles and applies configurations of guests hosted
// on one Linux kernel. Run `vsc help` for the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strings"
)

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailed  = 1 // errors in the configuration, or the command failed
	exitUsage   = 2 // bad command line
	exitChanged = 3 // fmt --check: a file would change
)

// command is one subcommand: its synopsis for help, and its run function
// taking the arguments after the command name.
type command struct {
	name     string
	synopsis string
	run      func(args []string, stdout, stderr io.Writer) int
}

var commands []*command

func register(c *command) { commands = append(commands, c) }

func main() {
	if (len(os.Args) < 2 || os.Args[1] != "lsp") && os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		tuneGC()
	}
	stop := profile()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the command to the file named by
// VSC_CPUPROFILE, if set: how vsc's own speed work is measured
// (go tool pprof vsc FILE).
func profile() (stop func()) {
	name := os.Getenv("VSC_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsc: VSC_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// gcMemoryLimit is the heap a command may grow to before the garbage
// collector runs, see tuneGC.
const gcMemoryLimit = 144 << 20

// tuneGC trades memory for time, as a command that runs for a second may
// (not the language server, which runs for hours): the collector only
// runs when the heap reaches gcMemoryLimit. Most commands never get there
// and spend nothing on collecting (an apply of 5,000 routes: ~3 ms of
// 60); checking a large configuration allocates several times its final
// size, and collecting only at the limit saves a good part of the time.
// Once the live heap passes half of gcMemoryLimit (tens of thousands of
// guests) the runtime's defaults come back: with the live heap near the
// limit, the collector would run without pause. GOGC or GOMEMLIMIT in the
// environment leave the runtime as they set it.
func tuneGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcMemoryLimit)
	watchGC()
}

// gcSentinel is garbage made to learn when a collection ends (it holds a
// pointer, so that it is not batched with other small objects).
type gcSentinel struct{ _ *byte }

// watchGC restores the runtime's defaults at the end of the first
// collection that finds more than half of gcMemoryLimit live.
func watchGC() {
	runtime.AddCleanup(&gcSentinel{}, func(struct{}) {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		if live[0].Value.Kind() == metrics.KindUint64 && live[0].Value.Uint64() > gcMemoryLimit/2 {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
		watchGC()
	}, struct{}{})
}

func run(args []string, stdout, stderr io.Writer) (code int) {
	// What a command left to finish in the background ends before vsc.
	defer cacheWrites.Wait()
	// A panic is a bug in vsc; the user gets a short message, not a Go
	// stack (VSC_TRACEBACK=1 re-panics for debugging).
	defer func() {
		if r := recover(); r != nil {
			if os.Getenv("VSC_TRACEBACK") != "" {
				panic(r)
			}
			code = internalError(stderr, fmt.Errorf("internal error: %v", r))
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "vsc: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: vsc COMMAND [ARGUMENTS] [FLAGS]")
	fmt.Fprintln(w, "\nCommands:")
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w, "\nRun `vsc COMMAND -h` for a command's flags, `vsc explain CODE` for a check.")
}

// newFlags makes a command's flag set. Its usage line is printed on -h and
// on a bad flag.
func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vsc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vsc %s %s\n", name, args)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseArgs parses flags that may stand before or after the positional
// arguments (`vsc check dir --format json`), up to a `--`, after which
// everything is positional. It returns the positional arguments; err is
// flag.ErrHelp for -h.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at "--" and drops it; if the previous argument was
		// "--", everything left is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage problem with the command's usage line and
// returns exitUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return exitUsage
}

// parseOrUsage parses args and maps a flag error to its exit code.
func parseOrUsage(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitOK, false
	}
	if err != nil {
		return nil, exitUsage, false
	}
	return pos, 0, true
}

// stringList is a repeatable string flag (--var a=1 --var b=2).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// onePath returns the single optional PATH argument, "." by default.
func onePath(fs *flag.FlagSet, pos []string, stderr io.Writer) (string, int, bool) {
	switch len(pos) {
	case 0:
		return ".", 0, true
	case 1:
		return pos[0], 0, true
	}
	return "", usageError(fs, stderr, "takes at most one PATH, got %d: %s", len(pos), strings.Join(pos, " ")), false
}
