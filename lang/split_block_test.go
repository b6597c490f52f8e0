package lang

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Reading a large block by runs of its body's items (parseRuns) is only a
// faster way to read it: whenever it succeeds, it gives the body fastParse
// gives for the whole chunk, and so HCL's.

// sameRuns reads a chunk by runs and fails if that succeeds with a body
// other than fastParse's of the whole chunk, or where fastParse gives up.
// It reports whether reading by runs succeeded.
func sameRuns(t testing.TB, c chunk) bool {
	t.Helper()
	var got *hclsyntax.Body
	ok := false
	if reason := catch(func() { got, ok = c.parseRuns() }); reason != nil {
		t.Fatalf("parseRuns panics on %q: %v", c.src, reason)
	}
	if !ok {
		return false
	}
	want, wantOK := fastParse(c.src, c.name, c.start)
	if !wantOK {
		t.Fatalf("parseRuns reads %q at %v, on which fastParse gives up", c.src, c.start)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("parseRuns's tree of %q at %v differs (-whole +runs):\n%s", c.src, c.start,
			cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })))
	}
	return true
}

// withRuns sets the sizes from which items are read by runs, and of the
// runs, until the test ends.
func withRuns(t testing.TB, big, run int) {
	oldBig, oldRun := bigItemBytes, runBytes
	t.Cleanup(func() { bigItemBytes, runBytes = oldBig, oldRun })
	bigItemBytes, runBytes = big, run
}

// largeItemFile returns a random configuration around one block of many
// items: what may come before it (nothing, comments, other items) and
// after it, its header and closing line in their various forms, and in
// its body attributes among blocks, nested and one-line blocks, labels,
// comments of the three kinds, blank lines and various indentation. A few
// hold what fastParse gives up on, or an attribute defined twice.
func largeItemFile(r *rand.Rand) string {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	var b strings.Builder
	b.WriteString(pick("", "", "# A header.\n", "/* a\n   comment */\n\n", "\n\n",
		"variable \"v\" {\n  default = 1\n}\n",
		"guest \"g\" { context = 300 }\n\n",
		"locals {\n  a = [\n    1,\n  ]\n}\n# then\n"))
	n := 0 // makes names unique
	name := func() string {
		n++
		return fmt.Sprintf("%s%d", pick("a", "to", "dev", "id", "x_y", "k-9"), n)
	}
	bad := r.IntN(10) == 0
	value := func() string {
		switch r.IntN(40) {
		case 0:
			if !bad {
				break
			}
			return pick(`"${var.v}"`, `upper("x")`, "1 + 2", "<<EOT\n}\nEOT\n", `"é"`) // outside fastParse's subset
		case 1, 2, 3:
			return pick("[\n  1,\n  \"}\",\n]", "{\n  a = 1\n  b = { c = [] }\n}", "[ # {\n]", "{ a = 1, \"b\" = -2 }")
		}
		return pick(`"plain"`, `"10.0.0.1/16"`, `"}{"`, `"a\"}b"`, `""`, "42", "-1.5", "1e3",
			"true", "null", "var.v", "local.a.b", `["x", 1]`, "[]", "{}", `{ soft = 1024, hard = 4096 }`)
	}
	comment := func() string {
		return pick("# {\n", "// }\n", "/* } */\n", "/* a\n{ b\n*/\n", "\n", "\n\n")
	}
	var body func(depth int, indent string) string
	item := func(depth int, indent string) string {
		switch k := r.IntN(10); {
		case k < 4 || depth > 3:
			return fmt.Sprintf("%s%s = %s%s\n", indent, name(), value(), pick("", "", " # x", " /* y */", " // z"))
		case k < 5:
			return fmt.Sprintf("%s%s { %s = %s }\n", indent, pick("route", "b"), name(), value())
		case k < 6:
			return fmt.Sprintf("%s%s%s {}\n", indent, pick("interface", "c"), pick("", ` "eth0"`, ` "a" b`))
		default:
			return fmt.Sprintf("%s%s%s {%s\n%s%s}%s\n", indent, pick("table", "route", "rule", "d"),
				pick("", "", ` "t1"`, ` "x" "y"`, " z"), pick("", "", " # c"),
				body(depth+1, indent+pick("  ", "\t", "    ")), indent, pick("", "", " # c"))
		}
	}
	body = func(depth int, indent string) string {
		var b strings.Builder
		for k := r.IntN(6 - min(depth, 4)); k >= 0; k-- {
			if r.IntN(4) == 0 {
				b.WriteString(indent + comment())
			}
			b.WriteString(item(depth, indent))
		}
		return b.String()
	}
	b.WriteString(pick("host", "host", "host", "guest", "defaults", "x"))
	b.WriteString(pick(` "srv1"`, ` "srv1"`, "", ` a "b"`, ` "é"`))
	b.WriteString(pick(" {\n", " {\n", " {\n", " {\n", " { # c\n", " /* c */ { /* d */\n", "{\n", " { /* c\n */\n"))
	indent := pick("  ", "  ", "\t", "")
	var items strings.Builder
	for k := 1 + r.IntN(30); k > 0; k-- {
		items.WriteString(item(1, indent))
		if r.IntN(5) == 0 {
			items.WriteString(indent + comment())
		}
	}
	text := items.String()
	if r.IntN(20) == 0 {
		text += indent + "a1 = 2\n" // perhaps defined already
	}
	b.WriteString(text)
	b.WriteString(pick("}", "}", "  }", "\t}", "} # c", "} /* c */", "} // c"))
	b.WriteString(pick("\n", "\n", "\n\n", "\n# after\n", "\n/* x\n */\n", ""))
	if !strings.HasSuffix(b.String(), "}") {
		b.WriteString(pick("", "", "defaults {\n  nice = 1\n}\n", "guest \"h\" {\n  context = 301\n}\n# end"))
	}
	return b.String()
}

// Random large blocks read by runs give fastParse's tree of the whole
// chunk, whatever the runs and wherever the block is in the file; and
// every block fastParse reads is read by runs, when it has two runs or
// more and its opening brace ends its line.
func TestParseRuns(t *testing.T) {
	withRuns(t, 1, 1)
	r := rand.New(rand.NewPCG(5, 6))
	var blocks, runs int
	for i := 0; i < 4000; i++ {
		src := largeItemFile(r)
		runBytes = []int{1, 1, 16, 64, 256}[r.IntN(5)]
		for _, c := range splitFile("runs/main.vsc.hcl", []byte(src)) {
			if c.lines == nil {
				continue
			}
			blocks++
			whole := sameAsHCL(t, c.src, c.start)
			switch {
			case sameRuns(t, c):
				runs++
			case whole && runBytes == 1 && len(c.lines) > 2 && !strings.Contains(string(c.src), "{ /* c\n"):
				t.Errorf("not read by runs: %q", c.src)
			}
		}
	}
	t.Logf("%d large chunks, %d read by runs", blocks, runs)
}

// Whatever lines parseRuns is given to cut at, at any depth, inside
// strings or comments, it reads what fastParse reads or gives up: the scan
// only proposes the cuts.
func TestParseRunsWrongCuts(t *testing.T) {
	withRuns(t, 1, 1)
	r := rand.New(rand.NewPCG(11, 12))
	var tried, read int
	for i := 0; i < 3000; i++ {
		for _, c := range splitFile("cuts/main.vsc.hcl", []byte(largeItemFile(r))) {
			// Every line; the scan's lines with others; some of either.
			right := map[int]bool{}
			for _, at := range c.lines {
				right[at] = true
			}
			every := everyLine(c)
			for k := 0; k < 4; k++ {
				c.lines = nil
				for _, at := range every {
					if k == 0 || k == 1 && (right[at] || r.IntN(8) == 0) || k > 1 && r.IntN(3) == 0 {
						c.lines = append(c.lines, at)
					}
				}
				tried++
				if sameRuns(t, c) {
					read++
				}
			}
		}
	}
	t.Logf("%d cuts tried, %d read", tried, read)
}

// everyLine returns the offsets in the file of the starts of the lines of
// the chunk but its first.
func everyLine(c chunk) []int {
	var lines []int
	for i, b := range c.src {
		if b == '\n' && i+1 < len(c.src) {
			lines = append(lines, c.start.Byte+i+1)
		}
	}
	return lines
}

// Cases where parseRuns must give up, though fastParse reads the chunk
// whole or HCL reports a problem: Load then reads the chunk as before.
var runsBail = map[string]string{
	"brace-comment":   "host \"a\" { /* c\n */\n  x = 1\n  y = 2\n}\n",
	"one-line":        "host \"a\" { x = 1 }\n",
	"one-item":        "host \"a\" {\n  x = 1\n}\n",
	"attribute":       "a = {\n  x = 1\n  y = 2\n}\n",
	"tuple":           "a = [\n  1,\n  2,\n]\n",
	"twice":           "host \"a\" {\n  x = 1\n  y = 2\n  x = 3\n}\n",
	"template":        "host \"a\" {\n  x = \"${1}\"\n  y = 2\n}\n",
	"close-not-alone": "host \"a\" {\n  x = 1\n  y = 2 }\n",
	"unclosed":        "host \"a\" {\n  x = 1\n  y = 2\n",
	"extra-brace":     "host \"a\" {\n  x = 1\n}\n  y = 2\n}\n",
	"crlf":            "host \"a\" {\r\n  x = 1\r\n  y = 2\r\n}\r\n",
	"deep":            "host \"a\" {\n  x = 1\n" + strings.Repeat("b {\n", fastMaxDepth) + strings.Repeat("}\n", fastMaxDepth) + "}\n",
	"heredoc":         "host \"a\" {\n  x = <<EOT\n}\nEOT\n  y = 2\n}\n",
}

func TestParseRunsBail(t *testing.T) {
	withRuns(t, 1, 1)
	for name, src := range runsBail {
		t.Run(name, func(t *testing.T) {
			for _, c := range splitFile("bail/main.vsc.hcl", []byte(src)) {
				if sameRuns(t, c) {
					t.Errorf("read by runs")
				}
				sameAsHCL(t, c.src, c.start)
			}
			file := "bail/main.vsc.hcl"
			sameAsFiles(t, file, Options{Overlay: map[string][]byte{file: []byte(src)}})
		})
	}
}

// With every item read by runs, at every line, Load gives what reading
// whole files gives, on the test configurations and on random ones.
func TestChunksRunsSameAsFiles(t *testing.T) {
	withRuns(t, 1, 1)
	sameAsFilesEverywhere(t)
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 300; i++ {
		file := "random/main.vsc.hcl"
		runBytes = 1 + r.IntN(100)
		sameAsFiles(t, file, Options{Overlay: map[string][]byte{file: []byte(largeItemFile(r))}})
	}
}

// The host of 5,000 routes and 500 rules of `make bench` is one chunk,
// read by runs as Load cuts it, and so is it at any line of a file.
func TestParseRunsRoutes(t *testing.T) {
	src := routesRules()
	chunks := splitFile("routes.vsc.hcl", src)
	if len(chunks) != 1 || !sameRuns(t, chunks[0]) {
		t.Fatalf("%d chunks, not read by runs", len(chunks))
	}
	more := append([]byte("variable \"v\" {\n  default = 1\n}\n\n"), src...)
	more = append(more, "guest \"g\" {\n  context = 300\n}\n"...)
	n := 0
	for _, c := range splitFile("routes.vsc.hcl", more) {
		if c.lines != nil {
			n++
			if !sameRuns(t, c) {
				t.Error("not read by runs after another item")
			}
		}
	}
	if n != 1 {
		t.Errorf("%d large chunks, want 1", n)
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": string(more)})
	if !sameAsFiles(t, dir, Options{}) {
		t.Error("not read by chunks")
	}
}

// BenchmarkChunks measures what loadChunks does before decoding, on the
// host of 5,000 routes and 500 rules: cut the file into chunks and parse
// them in parallel, the large block whole or by runs:
//
//	go test ./lang -run '^$' -bench Chunks -count 10
func BenchmarkChunks(b *testing.B) {
	src := routesRules()
	for _, mode := range []struct {
		name string
		big  int
	}{{"whole", len(src) + 1}, {"runs", bigItemBytes}} {
		b.Run(mode.name, func(b *testing.B) {
			withRuns(b, mode.big, runBytes)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				chunks := splitFile("routes.vsc.hcl", src)
				var failed atomic.Bool
				parallel(len(chunks), func(i int) {
					if _, ok := chunks[i].parse(); !ok {
						failed.Store(true)
					}
				})
				if failed.Load() {
					b.Fatal("a chunk does not read")
				}
			}
		})
	}
}
