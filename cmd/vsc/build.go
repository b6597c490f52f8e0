package main

import (
	"fmt"
	"io"
	"os"

	"vsc/executor/build"
	"vsc/executor/guest"
	"vsc/ir"
)

func init() {
	register(&command{name: "build", synopsis: "make a guest's root by its build method", run: runBuild})
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("build", "NAME [PATH|PLANFILE] [--keep] [--shift] [--host HOST] [--var NAME=VALUE]", stderr)
	var hf hostFlags
	hf.register(fs)
	keep := fs.Bool("keep", false, "keep the partial root when the build fails, to see why")
	shift := fs.Bool("shift", false, "own the root's files by the guest's host ids (context × 65536 + id), for a filesystem that cannot be idmapped; on an existing root, only that")
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
	var ns *ir.NsNew
	var root string
	hostname := ""
	for _, o := range ops {
		switch b := o.Body.(type) {
		case *ir.GuestBuild:
			op = b
		case *ir.UTSSet:
			hostname = b.Nodename
		case *ir.NsNew:
			ns = b
		case *ir.InitExec:
			root = b.Root
		}
	}
	if *shift && ns != nil {
		if _, err := os.Stat(root); err == nil {
			return shiftRoot(name, root, ns, stdout, stderr)
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
	if *shift && ns != nil {
		return shiftRoot(name, op.Root, ns, stdout, stderr)
	}
	return exitOK
}

// shiftRoot gives a guest's root to its host ids (build.Shift).
func shiftRoot(name, root string, ns *ir.NsNew, stdout, stderr io.Writer) int {
	n, err := build.Shift(root, ns.IDBase, nil)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: shift of %s's root %s stopped after %d entries: %v\n", name, root, n, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Guest %s's root %s shifted to ids %d and up (%d entries changed): it belongs to context %d now.\n", name, root, ns.IDBase, n, ns.Context)
	return exitOK
}
