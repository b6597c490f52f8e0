package lsp

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"vsc/internal/benchgen"
	"vsc/lang"
)

// BenchmarkDidChange1000 measures what an editor waits for after a
// keystroke in a file of 1,000 guests: from the didChange notification to
// the publishDiagnostics of that version, through a server running in
// this process. The configuration is benchgen's (hosts, defaults, and
// guests-0001.vsc.hcl with the 1,000 guests); each change edits the guest
// file, which is re-read, re-checked and re-published whole.
//
//	go test ./lsp -run '^$' -bench DidChange -benchtime 20x
//
// load is lang.Load alone, check lang.Load and compiler.Run, without the
// server, for comparison; ms/change is the figure to read.
func BenchmarkDidChange1000(b *testing.B) {
	dir := b.TempDir()
	if _, err := benchgen.Write(dir, benchgen.Options{Guests: 1000}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "guests-0001.vsc.hcl")
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	overlay := lang.Options{Overlay: map[string][]byte{path: src}}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			lang.Load(dir, overlay)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/change")
	})
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if _, diags := check(dir, overlay); len(diags) > 0 {
				b.Fatal(diags)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/change")
	})
	// single: one edit after a pause, checked at once. burst: five edits
	// 10 ms apart, as typing, coalesced into one check DefaultDebounce
	// after the last; the time is from the last edit to its diagnostics.
	for _, burst := range []int{1, 5} {
		name := "single"
		if burst > 1 {
			name = "burst"
		}
		b.Run(name, func(b *testing.B) {
			c := startInProcess(b, DefaultDebounce)
			defer c.close()
			uri := pathToURI(path)
			c.send("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 1, "text": string(src)}})
			if n := c.waitVersion(uri, 1); n != 0 {
				b.Fatalf("the generated configuration has %d diagnostics", n)
			}
			// Each edit types or deletes one character in the middle of
			// the file.
			mid := newText(src).position(len(src)/2, encUTF16)
			mid.Character = 0
			version := 1
			edit := func() {
				version++
				change := map[string]any{"range": Range{mid, mid}, "text": "#"}
				if version%2 == 1 {
					change = map[string]any{"range": Range{mid, Position{mid.Line, 1}}, "text": ""}
				}
				c.send("textDocument/didChange", map[string]any{
					"textDocument":   map[string]any{"uri": uri, "version": version},
					"contentChanges": []any{change}})
			}
			var waited time.Duration
			for b.Loop() {
				time.Sleep(2 * DefaultDebounce) // a pause: the next edit starts a burst
				for i := 1; i < burst; i++ {
					edit()
					time.Sleep(10 * time.Millisecond)
				}
				edit()
				start := time.Now()
				c.waitVersion(uri, version)
				waited += time.Since(start)
			}
			b.ReportMetric(float64(waited.Microseconds())/1000/float64(b.N), "ms/change")
		})
	}
}

// BenchmarkOutline1000 measures the outline a hover or completion request
// reads after an edit of the 1,000-guest file: cold (the whole file
// lexed) and after a one-line edit (the tokens of the other chunks reused).
func BenchmarkOutline1000(b *testing.B) {
	dir := b.TempDir()
	if _, err := benchgen.Write(dir, benchgen.Options{Guests: 1000}); err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "guests-0001.vsc.hcl"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			parseOutline("g.vsc.hcl", src)
		}
	})
	b.Run("edit", func(b *testing.B) {
		cache := &tokenCache{}
		parseOutlineCached("g.vsc.hcl", src, cache)
		mid := len(src) / 2
		edited := [2][]byte{src, append(append(append([]byte{}, src[:mid]...), '#'), src[mid:]...)}
		i := 0
		for b.Loop() {
			i++
			parseOutlineCached("g.vsc.hcl", edited[i%2], cache)
		}
	})
}
