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
	fmt.Fprintf(stdout, "%s: plan for host %s, %s, verified.\n", pos[0], plan.Host, plural(len(plan.Ops), "op"))
	return exitOK
}

// readPlan loads a saved plan and verifies it: a plan is never used
// without being verified.
func readPlan(name string) (*ir.Plan, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the plan: %w", err)
	}
	plan, err := ir.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid plan: %w", name, err)
	}
	if err := ir.Verify(plan); err != nil {
		return nil, fmt.Errorf("%s fails verification:\n%w", name, err)
	}
	return plan, nil
}
