package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"vsc/executor/build"
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
	if len(pos) == 0 {
		return usageError(fs, stderr, "takes the NAME of the guest to build")
	}
	plan, code, ok := planFor(fs, pos[1:], &hf, stderr)
	if !ok {
		return code
	}
	ops, err := guestOps(plan, pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
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
		fmt.Fprintf(stderr, "vsc: guest %s has no build block: its root is made by hand. Add a build block to build it with vsc.\n", pos[0])
		return exitFailed
	}
	if err := build.Build(op, build.Options{Keep: *keep, Out: stdout, Hostname: hostname}); err != nil {
		fmt.Fprintf(stderr, "vsc: build of %s failed: %v\n", pos[0], err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Guest %s built in %s (%s).\n", pos[0], op.Root, op.Method)
	return exitOK
}

// guestOps returns the ops of one guest of a plan, by its name on the
// host (web, fleet-a), in plan order.
func guestOps(p *ir.Plan, name string) ([]*ir.Op, error) {
	owner := ir.GuestOwner(name)
	var ops []*ir.Op
	names := map[string]bool{}
	for _, op := range p.Ops {
		if op.Owner == owner {
			ops = append(ops, op)
		}
		if g, ok := strings.CutPrefix(op.Owner, "guest."); ok {
			names[g] = true
		}
	}
	if len(ops) == 0 {
		var all []string
		for g := range names {
			all = append(all, g)
		}
		sort.Strings(all)
		return nil, fmt.Errorf("host %s has no guest %q; its guests are: %s", p.Host, name, strings.Join(all, ", "))
	}
	return ops, nil
}
