package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"vsc/internal/benchgen"
)

// Targets of the executor issue for plans and fleets.
const (
	// One table of 50,000 routes and 5,000 rules compiles in under 2 s
	// to a plan of under 50 MB.
	targetPlanCompile = 2 * time.Second
	targetPlanBytes   = 50_000_000
	// Plans are linear: per op, compile and verify time and plan size at
	// the largest shape at most this many times those at the smallest.
	targetPlanGrowth = 1.5
	// A fleet checks as fast on 1,000 hosts as on 10, within 1.2×.
	targetFleet    = 1.2
	fleetGuests    = 100000
	fleetFewHosts  = 10
	fleetManyHosts = 1000
)

// planShapes are the tables measured: routes and rules in one table.
var planShapes = []struct{ routes, rules int }{{5000, 500}, {20000, 2000}, {50000, 5000}}

type planRow struct {
	routes, rules   int
	compile, verify measure
	bytes           int64
}

func (r planRow) ops() int { return r.routes + r.rules }

func (r planRow) perOp(d time.Duration) float64 { return float64(d.Microseconds()) / float64(r.ops()) }

// planBench measures `vsc compile DIR -o plan.json` and `vsc verify
// plan.json` on one table of each shape: time, peak RSS and plan size.
func planBench(vsc, tmp string, runs int) error {
	var rows []planRow
	for _, s := range planShapes {
		dir := filepath.Join(tmp, fmt.Sprintf("table-%d", s.routes))
		if _, err := benchgen.WriteTable(dir, s.routes, s.rules); err != nil {
			return err
		}
		plan := filepath.Join(dir, "plan.json")
		r := planRow{routes: s.routes, rules: s.rules}
		var err error
		if r.compile, err = repeat(runs, func() (time.Duration, int64, error) {
			return child(false, vsc, "compile", dir, "-o", plan)
		}); err != nil {
			return fmt.Errorf("vsc compile of %d routes: %w", s.routes, err)
		}
		st, err := os.Stat(plan)
		if err != nil {
			return err
		}
		r.bytes = st.Size()
		if r.verify, err = repeat(runs, func() (time.Duration, int64, error) {
			return child(false, vsc, "verify", plan)
		}); err != nil {
			return fmt.Errorf("vsc verify of %d routes: %w", s.routes, err)
		}
		rows = append(rows, r)
		os.RemoveAll(dir)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "one table\tops\tcompile\tcompile RSS MiB\tplan MB\tverify\tverify RSS MiB\tcompile µs/op\tverify µs/op\tplan bytes/op\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d routes + %d rules\t%d\t%v\t%.1f\t%.1f\t%v\t%.1f\t%.1f\t%.1f\t%.0f\t\n",
			r.routes, r.rules, r.ops(),
			r.compile.best.Round(time.Millisecond), mib(r.compile.maxRSS), float64(r.bytes)/1e6,
			r.verify.best.Round(time.Millisecond), mib(r.verify.maxRSS),
			r.perOp(r.compile.best), r.perOp(r.verify.best), float64(r.bytes)/float64(r.ops()))
	}
	tw.Flush()
	fmt.Println()

	var lines []string
	small, large := rows[0], rows[len(rows)-1]
	shape := fmt.Sprintf("%d routes + %d rules", large.routes, large.rules)
	lines = append(lines,
		fmt.Sprintf("%s  %s: compiled in under %v: %v", passFail(large.compile.best < targetPlanCompile), shape, targetPlanCompile, large.compile.best.Round(time.Millisecond)),
		fmt.Sprintf("%s  %s: plan under %.0f MB: %.1f MB", passFail(large.bytes < targetPlanBytes), shape, targetPlanBytes/1e6, float64(large.bytes)/1e6))
	for _, g := range []struct {
		what         string
		small, large float64
	}{
		{"compile µs/op", small.perOp(small.compile.best), large.perOp(large.compile.best)},
		{"verify µs/op", small.perOp(small.verify.best), large.perOp(large.verify.best)},
		{"plan bytes/op", float64(small.bytes) / float64(small.ops()), float64(large.bytes) / float64(large.ops())},
	} {
		growth := g.large / g.small
		lines = append(lines, fmt.Sprintf("%s  linear plans, %s at %d ops at most %.1f× that at %d: %.1f / %.1f = %.2f×",
			passFail(growth <= targetPlanGrowth), g.what, large.ops(), targetPlanGrowth, small.ops(), g.large, g.small, growth))
	}
	verdicts("plan", lines)
	return nil
}

// fleetBench measures vsc check of the same number of guests on few and
// on many hosts: checking costs the same whatever the hosts.
func fleetBench(vsc, tmp string, runs int) error {
	var best [2]measure
	hosts := [2]int{fleetFewHosts, fleetManyHosts}
	for i, h := range hosts {
		dir := filepath.Join(tmp, fmt.Sprintf("fleet-%d", h))
		if _, err := benchgen.Write(dir, benchgen.Options{Guests: fleetGuests, GuestsPerHost: fleetGuests / h}); err != nil {
			return err
		}
		var err error
		if best[i], err = repeat(runs, func() (time.Duration, int64, error) {
			return child(true, vsc, "check", dir)
		}); err != nil {
			return fmt.Errorf("vsc check of %d guests on %d hosts: %w", fleetGuests, h, err)
		}
		os.RemoveAll(dir)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "guests\thosts\tcheck\tcheck peak RSS MiB\t")
	for i, h := range hosts {
		fmt.Fprintf(tw, "%d\t%d\t%v\t%.1f\t\n", fleetGuests, h, best[i].best.Round(time.Millisecond), mib(best[i].maxRSS))
	}
	tw.Flush()
	fmt.Println()
	ratio := float64(best[1].best) / float64(best[0].best)
	verdicts("fleet", []string{fmt.Sprintf("%s  %d guests: check on %d hosts at most %.1f× that on %d: %.2f×",
		passFail(ratio <= targetFleet), fleetGuests, fleetManyHosts, targetFleet, fleetFewHosts, ratio)})
	return nil
}
