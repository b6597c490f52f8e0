package main

import (
	"fmt"
	"io"

	"vsc/executor/build"
	"vsc/executor/guest"
	"vsc/ir"
)

func init() {
	register(&command{name: "build", synopsis: "make a guest's root by its build method", run: runBuild})
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("build", "NAME [PATH|PLANFILE] [--keep] [--host HOST] [--var NAME=VALUE]", stderr)
	var hf hostFlags
	hf.register(fs)
	keep := fs.Bool("keep", false, "keep the partial root when the build fails, to see why")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	name, plan, code, ok := guestAndPlan(fs, pos, &hf, stderr)
	if !ok {
		return code
	}
	gp, err := guest.GuestPlan(plan, name)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
	ops := gp.Ops
	var op *ir.GuestBuild
	hostname := ""
	for _, o := range ops {
		switch b := o.Body.(type) {
		case *ir.GuestBuild:
			op = b
		case *ir.UTSSet:
			hostname = b.Nodename
		}
	}
	if op == nil {
		fmt.Fprintf(stderr, "vsc: guest %s has no build block: its root is made by hand. Add a build block to build it with vsc.\n", name)
		return exitFailed
	}
	if err := build.Build(op, build.Options{Keep: *keep, Out: stdout, Hostname: hostname}); err != nil {
		fmt.Fprintf(stderr, "vsc: build of %s failed: %v\n", name, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Guest %s built in %s (%s).\n", name, op.Root, op.Method)
	return exitOK
}
