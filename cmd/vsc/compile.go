package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"vsc/ir"
)

func init() {
	register(&command{name: "compile", synopsis: "print or save the plan of one host", run: runCompile})
}

func runCompile(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("compile", "[PATH] [--host HOST] [-o FILE] [--format text|json] [--var NAME=VALUE] [--var-file FILE]", stderr)
	var cf configFlags
	cf.register(fs)
	host := fs.String("host", "", "the `HOST` to compile for (needed when the configuration has several)")
	out := fs.String("o", "", "save the plan as JSON to `FILE` instead of printing it")
	c, code, ok := cf.parseAndLoad(fs, args, stderr)
	if !ok {
		return code
	}
	if c.diags.HasErrors() {
		writeDiagnostics(stderr, c.diags, c.cfg.Files)
		return exitFailed
	}
	if len(c.diags) > 0 {
		writeDiagnostics(stderr, c.diags, c.cfg.Files)
	}
	plan, code, ok := pickPlan(fs, stderr, c.plans, *host)
	if !ok {
		return code
	}
	var err error
	switch {
	case *out != "":
		if err := savePlan(plan, *out); err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "Plan for host %s saved to %s: %s.\n", plan.Host, *out, plural(len(plan.Ops), "op"))
	case cf.format == "json":
		err = plan.WriteJSON(stdout)
	default:
		err = plan.WriteText(stdout)
	}
	if err != nil {
		return internalError(stderr, err)
	}
	return exitOK
}

// pickPlan chooses the plan of the host asked for, or the only one.
func pickPlan(fs *flag.FlagSet, stderr io.Writer, plans []*ir.Plan, host string) (*ir.Plan, int, bool) {
	var names []string
	for _, p := range plans {
		if p.Host == host || host == "" && len(plans) == 1 {
			return p, 0, true
		}
		names = append(names, p.Host)
	}
	if host == "" {
		return nil, usageError(fs, stderr, "the configuration has %d hosts (%s): choose one with --host", len(plans), strings.Join(names, ", ")), false
	}
	return nil, usageError(fs, stderr, "no host %q in the configuration; its hosts are: %s", host, strings.Join(names, ", ")), false
}
