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

func (c *configFlags) checkFormat(fs *flag.FlagSet, stderr io.Writer) (int, bool) {
	if c.format != "text" && c.format != "json" {
		return usageError(fs, stderr, "--format must be text or json, not %q", c.format), false
	}
	return 0, true
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
	cfg, diags := lang.Load(path, lang.Options{Vars: c.vars, VarFiles: c.varFiles})
	if cfg.FileNames != nil || !diags.HasErrors() {
		diags = append(diags, compiler.Run(cfg)...)
	}
	lang.SortDiagnostics(diags)
	out := &checked{cfg: cfg, diags: diags}
	if diags.HasErrors() {
		return out, nil
	}
	for _, h := range cfg.Hosts {
		p, err := compiler.Compile(cfg, h.Name.V)
		if err != nil {
			return out, err
		}
		out.plans = append(out.plans, p)
	}
	return out, nil
}

// internalError reports a broken invariant of vsc itself.
func internalError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "vsc: %v\nThis is a bug in vsc, not in your configuration: please report it with the configuration that caused it.\n", err)
	return exitFailed
}
