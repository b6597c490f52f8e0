package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

	"vsc/compiler"
	"vsc/ir"
	"vsc/lang"
)

// configFlags are the flags of every command that reads a configuration.
type configFlags struct {
	vars     stringList
	varFiles stringList
	format   string
}

func (c *configFlags) register(fs *flag.FlagSet) {
	c.registerVars(fs)
	fs.StringVar(&c.format, "format", "text", "output format: `text` or json")
}

func (c *configFlags) registerVars(fs *flag.FlagSet) {
	fs.Var(&c.vars, "var", "set a variable: `NAME=VALUE` (repeatable)")
	fs.Var(&c.varFiles, "var-file", "read variable values from an HCL or JSON `FILE` (repeatable)")
}

// langOptions are the options of lang.Load the flags give.
func (c *configFlags) langOptions() lang.Options {
	return lang.Options{Vars: c.vars, VarFiles: c.varFiles}
}

func (c *configFlags) checkFormat(fs *flag.FlagSet, stderr io.Writer) (int, bool) {
	if c.format != "text" && c.format != "json" {
		return usageError(fs, stderr, "--format must be text or json, not %q", c.format), false
	}
	return 0, true
}

// parseAndLoad parses the command line of a command that reads one
// configuration (flags, --format, at most one PATH), then loads, checks
// and compiles it. ok is false when the command must exit with code.
func (c *configFlags) parseAndLoad(fs *flag.FlagSet, args []string, stderr io.Writer) (*checked, int, bool) {
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return nil, code, false
	}
	if code, ok := c.checkFormat(fs, stderr); !ok {
		return nil, code, false
	}
	path, code, ok := onePath(fs, pos, stderr)
	if !ok {
		return nil, code, false
	}
	checked, err := load(path, c)
	if err != nil {
		return nil, internalError(stderr, err), false
	}
	return checked, 0, true
}

// checked is a loaded configuration with every diagnostic of vsc check:
// reading, checks, and — when there are no errors — the compiled plan of
// every host, each verified.
type checked struct {
	cfg   *lang.Config
	diags hcl.Diagnostics
	plans []*ir.Plan
}

// load reads, checks and compiles a configuration. An error return is an
// internal error of vsc (a plan failing verification), not a user mistake.
func load(path string, c *configFlags) (*checked, error) {
	cfg, diags := lang.Load(path, c.langOptions())
	// One index of the configuration for the checks and every host's plan.
	m := compiler.NewModel(cfg)
	// The plans are compiled while the checks run, both only reading the
	// configuration and the model; they are kept only if the checks find
	// no error, as lowering trusts what the checks establish.
	var compiled chan compileResult
	if !diags.HasErrors() {
		compiled = make(chan compileResult, 1)
		go func() { compiled <- compileAll(m) }()
	}
	if cfg.FileNames != nil || !diags.HasErrors() {
		diags = append(diags, m.Run()...)
	}
	lang.SortDiagnostics(diags)
	out := &checked{cfg: cfg, diags: diags}
	if compiled == nil || diags.HasErrors() {
		return out, nil // the plans, if any, are dropped as they come
	}
	r := <-compiled
	if r.panicked {
		panic(r.reason)
	}
	out.plans = r.plans
	return out, r.err
}

// compileResult is what compileAll returns, a panic included.
type compileResult struct {
	plans    []*ir.Plan
	err      error
	panicked bool
	reason   any
}

// compileAll compiles the plan of every host of the model, in order, up
// to the first that fails.
func compileAll(m *compiler.Model) (r compileResult) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked, r.reason = true, p
		}
	}()
	for _, h := range m.Config.Hosts {
		p, err := m.Compile(h.Name.V)
		if err != nil {
			r.err = err
			return r
		}
		r.plans = append(r.plans, p)
	}
	return r
}

// internalError reports a broken invariant of vsc itself.
func internalError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "vsc: %v\nThis is a bug in vsc, not in your configuration: please report it with the configuration that caused it.\n", err)
	return exitFailed
}
