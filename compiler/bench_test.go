package compiler_test

import (
	"fmt"
	"testing"

	"vsc/compiler"
	"vsc/internal/benchgen"
	"vsc/ir"
	"vsc/lang"
)

// The benchmarks measure what vsc check does — lang.Load, every check,
// and compiling (with ir.Verify) the plan of every host — on generated
// configurations, against parsing the same files alone:
//
//	go test ./compiler -run '^$' -bench . -benchmem
//
// make bench measures the same in child processes, with peak RSS, up to
// 100,000 guests.
var benchSizes = []int{1000, 10000}

func BenchmarkCheck(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("guests=%d", n), func(b *testing.B) {
			dir := generate(b, n)
			if diags := checkAll(b, dir); len(diags) > 0 {
				b.Fatalf("the generated configuration is not clean: %d diagnostics, the first: %s", len(diags), diags[0])
			}
			b.ReportAllocs()
			for b.Loop() {
				checkAll(b, dir)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/guest")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("guests=%d", n), func(b *testing.B) {
			dir := generate(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := benchgen.Parse(dir); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/guest")
		})
	}
}

// tableShapes are one table's routes and rules, as make bench measures
// them: the plan, its compile and its verify grow linearly with routes +
// rules (µs/op flat).
var tableShapes = []struct{ routes, rules int }{{5000, 500}, {20000, 2000}, {50000, 5000}}

// BenchmarkCompileTable measures compiling (ir.Verify included) the plan
// of one table, and reports its JSON size per op.
func BenchmarkCompileTable(b *testing.B) {
	for _, s := range tableShapes {
		b.Run(fmt.Sprintf("routes=%d/rules=%d", s.routes, s.rules), func(b *testing.B) {
			cfg := loadTable(b, s.routes, s.rules)
			var p *ir.Plan
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if p, err = compiler.Compile(cfg, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			data, err := p.MarshalJSON()
			if err != nil {
				b.Fatal(err)
			}
			ops := float64(len(p.Ops))
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/ops, "µs/op")
			b.ReportMetric(float64(len(data))/ops, "JSON-bytes/op")
		})
	}
}

// BenchmarkVerifyTable measures ir.Verify of the plan of one table.
func BenchmarkVerifyTable(b *testing.B) {
	for _, s := range tableShapes {
		b.Run(fmt.Sprintf("routes=%d/rules=%d", s.routes, s.rules), func(b *testing.B) {
			p, err := compiler.Compile(loadTable(b, s.routes, s.rules), "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := ir.Verify(p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(p.Ops)), "µs/op")
		})
	}
}

// BenchmarkCheckFleet measures vsc check of one number of guests spread
// over few and over many hosts: the time per guest must not grow with
// the hosts.
func BenchmarkCheckFleet(b *testing.B) {
	const guests = 10000
	for _, hosts := range []int{10, 1000} {
		b.Run(fmt.Sprintf("guests=%d/hosts=%d", guests, hosts), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := benchgen.Write(dir, benchgen.Options{Guests: guests, GuestsPerHost: guests / hosts}); err != nil {
				b.Fatal(err)
			}
			if diags := checkAll(b, dir); len(diags) > 0 {
				b.Fatalf("the generated configuration is not clean: %d diagnostics, the first: %s", len(diags), diags[0])
			}
			b.ReportAllocs()
			for b.Loop() {
				checkAll(b, dir)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/guests, "µs/guest")
		})
	}
}

// loadTable loads benchgen's one table of routes and rules.
func loadTable(b *testing.B, routes, rules int) *lang.Config {
	b.Helper()
	dir := b.TempDir()
	if _, err := benchgen.WriteTable(dir, routes, rules); err != nil {
		b.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return cfg
}

func generate(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	if _, err := benchgen.Write(dir, benchgen.Options{Guests: n}); err != nil {
		b.Fatal(err)
	}
	return dir
}

// checkAll is vsc check: load, run every check and, without errors,
// compile and verify the plan of every host. It returns the diagnostics.
func checkAll(b *testing.B, dir string) []string {
	cfg, diags := lang.Load(dir, lang.Options{})
	m := compiler.NewModel(cfg)
	diags = append(diags, m.Run()...)
	var out []string
	for _, d := range diags {
		out = append(out, d.Error())
	}
	if diags.HasErrors() {
		return out
	}
	for _, h := range cfg.Hosts {
		if _, err := m.Compile(h.Name.V); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
