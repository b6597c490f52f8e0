package main

import (
	"fmt"
	"io"
	"os"

	"vsc/ir"
)

func init() {
	register(&command{name: "verify", synopsis: "re-verify a saved plan", run: runVerify})
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "PLANFILE", stderr)
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "takes one PLANFILE")
	}
	plan, err := readPlan(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
	// The digest, to compare with the plan= of the text that was reviewed.
	fmt.Fprintf(stdout, "%s: plan for host %s, %s, verified: plan=%s\n", pos[0], plan.Host, plural(len(plan.Ops), "op"), plan.PlanDigest)
	return exitOK
}

// readPlan loads a saved plan, checks that it is the plan that was made
// (its plan digest) and verifies it: a plan is never used without.
func readPlan(name string) (*ir.Plan, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the plan: %w", err)
	}
	plan, err := ir.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid plan: %w", name, err)
	}
	if err := plan.CheckDigest(); err != nil {
		// Without its digest, or with ops that are not those it was made
		// with, the plan is not what was reviewed: another one is needed.
		return nil, fmt.Errorf("refusing %s: %w.\nMake the plan again from its configuration with vsc compile -o %s (or vsc apply --dry-run -o %s), and review it again", name, err, name, name)
	}
	if err := ir.Verify(plan); err != nil {
		return nil, fmt.Errorf("%s fails verification:\n%w", name, err)
	}
	return plan, nil
}
