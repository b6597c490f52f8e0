package compiler_test

import (
	"fmt"
	"testing"

	"vsc/compiler"
	"vsc/internal/benchgen"
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
	diags = append(diags, compiler.Run(cfg)...)
	var out []string
	for _, d := range diags {
		out = append(out, d.Error())
	}
	if diags.HasErrors() {
		return out
	}
	for _, h := range cfg.Hosts {
		if _, err := compiler.Compile(cfg, h.Name.V); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
