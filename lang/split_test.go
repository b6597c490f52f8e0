package lang

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Reading by chunks (split.go) is only a faster way to read: whenever it
// succeeds, the configuration and the diagnostics are exactly those of
// reading file by file.

// sameAsFiles loads the configuration both ways and fails if reading by
// chunks succeeds with a different result. It reports whether it did.
func sameAsFiles(t *testing.T, path string, opts Options) bool {
	t.Helper()
	names, diags := configFiles(path, opts.Overlay)
	var want, got *Config
	var wantDiags, gotDiags hcl.Diagnostics
	wantPanic := catch(func() { want, wantDiags = loadFiles(path, names, diags, opts) })
	if len(diags) > 0 {
		return false
	}
	ok := false
	gotPanic := catch(func() { got, gotDiags, ok = loadChunks(path, names, opts) })
	if wantPanic != nil || gotPanic != nil {
		// A bug of the decoding, which both ways must meet alike.
		if fmt.Sprint(wantPanic) != fmt.Sprint(gotPanic) && !(gotPanic == nil && !ok) {
			t.Errorf("%s: panics differ: files %v, chunks %v", path, wantPanic, gotPanic)
		}
		return gotPanic != nil
	}
	if !ok {
		return false
	}
	if d := cmp.Diff(want, got, configCompare...); d != "" {
		t.Errorf("%s: the configuration read by chunks differs (-files +chunks):\n%s", path, d)
	}
	// Sorted as vsc sorts them: HCL reports some in map order.
	SortDiagnostics(wantDiags)
	SortDiagnostics(gotDiags)
	if w, g := diagText(wantDiags), diagText(gotDiags); w != g {
		t.Errorf("%s: the diagnostics read by chunks differ:\nfiles:\n%s\nchunks:\n%s", path, w, g)
	}
	return true
}

func catch(f func()) (reason any) {
	defer func() { reason = recover() }()
	f()
	return nil
}

var configCompare = []cmp.Option{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmpopts.IgnoreTypes(hcl.EvalContext{}, function.Function{}),
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmp.Comparer(func(a, b cty.Type) bool { return a.Equals(b) }),
	cmpopts.IgnoreFields(Config{}, "digestOnce"),
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		detail := d.Detail
		if d.Summary == "Call to unknown function" {
			// HCL suggests one of the closest functions in map order.
			detail, _, _ = strings.Cut(detail, " Did you mean")
		}
		fmt.Fprintf(&b, "%d [%s] %q %q %v %v\n", d.Severity, Code(d), d.Summary, detail, d.Subject, Related(d))
	}
	return b.String()
}

func TestChunksSameAsFiles(t *testing.T) { sameAsFilesEverywhere(t) }

// sameAsFilesEverywhere checks that Load gives what reading whole files
// gives, on the examples, the check test folders and chunkCases.
func sameAsFilesEverywhere(t *testing.T) {
	t.Helper()
	for _, dir := range []string{"../examples/course", "../examples/fleet"} {
		if !sameAsFiles(t, dir, Options{}) {
			t.Errorf("%s: not read by chunks", dir)
		}
	}
	checks, _ := filepath.Glob("../compiler/testdata/check/*")
	for _, dir := range checks {
		sameAsFiles(t, dir, Options{})
	}
	for name, src := range chunkCases {
		t.Run(name, func(t *testing.T) {
			file := "cases/" + name + ".vsc.hcl"
			took := sameAsFiles(t, file, Options{Overlay: map[string][]byte{file: []byte(src)}})
			if want := !strings.HasPrefix(name, "whole-"); took != want {
				t.Errorf("read by chunks: %v, want %v", took, want)
			}
		})
	}
}

// Cases: read by chunks unless their name starts with whole- (a problem
// HCL reports, or a cut the scan cannot tell).
var chunkCases = map[string]string{
	"plain": `host "srv1" {}
guest "a" {
  context = 300
}
guest "b" {
  context = 301
}
`,
	"comments": `# A comment first.
/* a block comment
guest "x" {
}
*/
host "srv1" {} # after
// line
guest "a" {
  context = 300 /* } { */
  hostname = "a" # }
}
`,
	"strings": `host "srv1" {}
guest "a" {
  context  = 300
  hostname = "}{\"${"}"}"
  flags    = ["$${", "%%{", "${"{"}", "%{ if true }x%{ endif }"]
}
guest "b" {
  context = 301
}
`,
	"heredoc": `host "srv1" {}
guest "a" {
  context = 300
  hooks {
    pre_start = [<<EOT
}
guest "x" {
EOT
    , <<-EOT
      {
guest "y" {
      EOT
    ]
  }
}
guest "b" {
  context = 301
}
`,
	"heredoc-spaces": "host \"srv1\" {}\nguest \"a\" {\n  context  = 300\n  hostname = <<EOT\nguest \"x\" {\n  EOT  \n}\nguest \"b\" {\n  context = 301\n}\n",
	"heredoc-interpolation": `host "srv1" {}
guest "a" {
  context  = 300
  hostname = <<EOT
${upper(
EOT
)}
}
guest "b" {
EOT
}
guest "c" {
  context = 302
}
`,
	"for-each": `variable "n" {
  default = ["a", "b"]
}
locals {
  m = { for k in var.n : k => k }
}
host "srv1" {}
guest "g" {
  for_each = toset(var.n)
  context  = 300 + index(var.n, each.key)
}
guest "h" {
  for_each = local.m
  context  = 310 + index(var.n, each.value)
}
`,
	"defaults-late": `guest "a" {
  context = 300
}
defaults {
  nice = 3
}
host "srv1" {}
variable "x" {
  default = 1
}
guest "b" {
  context = 301 + var.x
}
`,
	"crlf": "host \"srv1\" {}\r\nguest \"a\" {\r\n  context = 300\r\n}\r\nguest \"b\" {\r\n  context = 301\r\n}\r\n",
	"bom":  "\ufeffguest \"a\" {\n  context = 300\n}\nhost \"srv1\" {}\n",
	"unicode": `host "srv1" {}
guest "ü" {
  context  = 300
  hostname = "été"
}
guest "b" {
  context = 301 # ☃
}
`,
	"whole-indented": `host "srv1" {}
guest "a" {
  context = 300
}
  variable "v" {
    default = 2
  }
guest "b" {
  context = 300 + var.v
}
`,
	"one-line": `host "srv1" {}
guest "a" { context = 300 }
guest "b" { context = 301 }
`,
	"problems": `host "srv1" {}
guest "a" {
  context = var.nope
}
guest "a" {
  context = "x"
}
guest "c" {
  contxt = 1
}
`,
	"no-items": "# nothing\n",
	"empty":    "",
	"whole-unclosed": `host "srv1" {}
guest "a" {
  context = 300
guest "b" {
  context = 301
}
`,
	"whole-syntax": `host "srv1" {}
guest "a" {
  context = = 300
}
guest "b" {
  context = 301
}
`,
	"whole-unterminated-heredoc": `host "srv1" {}
guest "a" {
  context = 300
  hostname = <<EOT
guest "b" {
}
`,
	"whole-top-attribute": `x = 1
host "srv1" {}
guest "a" {
  context = 300
}
`,
	"whole-labels": `host "srv1" {}
guest "a" "b" {
  context = 300
}
guest {
  context = 301
}
`,
	"whole-unknown-block": `host "srv1" {}
guests "a" {
  context = 300
}
`,
}

// Many guests over several files, as make bench generates them, are read
// by chunks.
func TestChunksManyGuests(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("host \"srv1\" {\n  interface \"eth0\" {}\n}\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "\nguest \"g%d\" {\n  context  = %d\n  hostname = \"g%d.example.org\"\n  rlimits {\n    nofile = { soft = 1024, hard = 4096 }\n  }\n}\n", i, 300+i, i)
	}
	write(t, dir, map[string]string{"a.vsc.hcl": b.String(), "b.vsc.hcl": "defaults {\n  nice = 1\n}\n"})
	if !sameAsFiles(t, dir, Options{}) {
		t.Fatal("not read by chunks")
	}
	if n := len(splitFile("a", []byte(b.String()))); n < 3 {
		t.Errorf("%d chunks, want several", n)
	}
}

// FuzzChunks: whatever the input, reading by chunks either gives up or
// gives what reading the file whole gives; so does it with every item read
// by runs of its body's items, and then each item read by runs is
// fastParse's tree of it.
func FuzzChunks(f *testing.F) {
	defer func(old int) { chunkBytes = old }(chunkBytes)
	chunkBytes = 1 // cut at every item
	for _, src := range chunkCases {
		f.Add([]byte(src))
	}
	for _, src := range runsBail {
		f.Add([]byte(src))
	}
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 20; i++ {
		f.Add([]byte(largeItemFile(r)))
	}
	for _, dir := range []string{"../examples/course", "../examples/fleet"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.vsc.hcl"))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := "fuzz/main.vsc.hcl"
		overlay := Options{Overlay: map[string][]byte{file: src}}
		withRuns(t, 1<<62, runBytes) // items joined, as Load cuts small ones
		sameAsFiles(t, file, overlay)
		// Runs of 1 to 128 bytes, whatever the input gives.
		withRuns(t, 1, 1<<(len(src)%8))
		sameAsFiles(t, file, overlay)
		for _, c := range splitFile(file, src) {
			sameRuns(t, c)
			// Cut at every line, as a wrong scan would.
			c.lines = everyLine(c)
			sameRuns(t, c)
		}
	})
}

// Random configurations made of the constructs the scan must step over
// (comments, strings and templates with braces, heredocs, one-line
// blocks, CRLF) read the same both ways, and nearly all by chunks.
func TestChunksRandom(t *testing.T) {
	for _, size := range []int{chunkBytes, 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			defer func(old int) { chunkBytes = old }(chunkBytes)
			chunkBytes = size
			testChunksRandom(t)
		})
	}
	// Every item read by runs of its body's items, at every line.
	t.Run("runs", func(t *testing.T) {
		withRuns(t, 1, 1)
		testChunksRandom(t)
	})
}

func testChunksRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	value := func() string {
		return pick(`"plain"`, `"}{"`, `"a\"}b"`, `"${"}"}"`, `"$${x}"`, `"%%{"`, `"${var.v}-${local.l}"`,
			`"%{ if var.v == "x" }{%{ endif }"`, `upper("}")`, `{ k = "}" }["k"]`, `["{", "}"]`,
			"<<EOT\n}\nguest \"x\" {\n  EOT\n", "<<-EOT\n    {\n    guest \"y\" {\n    EOT\n", "<<EOT\n${\"}\"}\nEOT\n")
	}
	comment := func() string {
		return pick("", " # }", " // {", " /* } */", "\n/* {\nguest \"z\" {\n*/", "\n# guest \"w\" {")
	}
	var items []string
	for i := 0; i < 4000; i++ {
		var b strings.Builder
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "variable \"v%d\" {\n  default = %s%s\n}\n", i, value(), comment())
		case 1:
			fmt.Fprintf(&b, "locals {\n  l%d = %s%s\n}\n", i, value(), comment())
		case 2:
			fmt.Fprintf(&b, "host \"h%d\" { config_dir = %s }\n", i, pick(`"/etc/vservers"`, `"}"`))
		case 3:
			fmt.Fprintf(&b, "guest \"o%d\" { context = %d }%s\n", i, 300+i, comment())
		default:
			fmt.Fprintf(&b, "guest \"g%d\" {%s\n  context  = %d\n  hostname = %s\n", i, comment(), 300+i, value())
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "  uts {\n    domainname = %s%s\n  }\n", value(), comment())
			}
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "  for_each = toset([\"a\", %s])\n", pick(`"b"`, `"}"`))
			}
			b.WriteString("}\n")
		}
		b.WriteString(pick("", "\n", "\n\n", "# between\n"))
		items = append(items, b.String())
	}
	chunked, guestChunks := 0, 0
	const configs = 40
	for n := 0; n < configs; n++ {
		dir := t.TempDir()
		files := 1 + r.IntN(3)
		for f := 0; f < files; f++ {
			var b strings.Builder
			for k := r.IntN(60); k > 0; k-- {
				b.WriteString(items[r.IntN(len(items))])
			}
			src := b.String()
			if r.IntN(5) == 0 {
				src = strings.ReplaceAll(src, "\n", "\r\n")
			}
			for _, c := range splitFile("f", []byte(src)) {
				if c.guest {
					guestChunks++
				}
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.vsc.hcl", f)), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if sameAsFiles(t, dir, Options{}) {
			chunked++
		}
	}
	t.Logf("%d of %d read by chunks, %d chunks of guests", chunked, configs, guestChunks)
	if chunked < configs*3/4 || guestChunks < configs {
		t.Errorf("%d of %d read by chunks, %d chunks of guests: the scan misses cuts", chunked, configs, guestChunks)
	}
}

// contentOf gives what Content gives, diagnostics included, for every
// block of the test configurations and every block schema, with and
// without for_each hidden.
func TestContentOf(t *testing.T) {
	var schemas []*hcl.BodySchema
	var walk func(bs *BlockSchema)
	walk = func(bs *BlockSchema) {
		schemas = append(schemas, bs.hcl)
		for _, f := range bs.Fields {
			if f.Block != nil {
				walk(f.Block)
			}
		}
	}
	walk(SchemaOf(Guest{}))
	walk(SchemaOf(Host{}))
	schemas = append(schemas, topSchema, forEachSchema, &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "context", Required: true}}})

	var sources [][]byte
	for _, src := range chunkCases {
		sources = append(sources, []byte(src))
	}
	files, _ := filepath.Glob("../compiler/testdata/check/*/*.vsc.hcl")
	more, _ := filepath.Glob("../examples/*/*.vsc.hcl")
	for _, file := range append(files, more...) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, src)
	}
	sources = append(sources, []byte(`guest "a" {
  for_each = {}
  context = 1
  bogus = 2
  interface "0" "1" {}
  interface {}
  rlimit {}
}
`))
	n := 0
	for _, src := range sources {
		f, _ := hclsyntax.ParseConfig(src, "x.vsc.hcl", hcl.InitialPos)
		if f == nil {
			continue
		}
		var bodies func(b *hclsyntax.Body)
		bodies = func(b *hclsyntax.Body) {
			for _, schema := range schemas {
				n++
				sameContent(t, b, schema)
				hidden := hiding{b, "for_each"}
				_, remain, _ := b.PartialContent(forEachSchema)
				want, wantDiags := remain.Content(schema)
				got, gotDiags := contentOf(hidden, schema)
				compareContent(t, want, wantDiags, got, gotDiags, schema)
			}
			for _, blk := range b.Blocks {
				bodies(blk.Body)
			}
		}
		bodies(f.Body.(*hclsyntax.Body))
	}
	t.Logf("%d bodies and schemas", n)
}

func sameContent(t *testing.T, b *hclsyntax.Body, schema *hcl.BodySchema) {
	t.Helper()
	want, wantDiags := b.Content(schema)
	got, gotDiags := contentOf(b, schema)
	compareContent(t, want, wantDiags, got, gotDiags, schema)
}

// compareContent checks what decodeBody reads of contentOf's content —
// the expression of each attribute by name, the blocks in order —
// against Content's.
func compareContent(t *testing.T, want *hcl.BodyContent, wantDiags hcl.Diagnostics, got *content, gotDiags hcl.Diagnostics, schema *hcl.BodySchema) {
	t.Helper()
	for _, a := range schema.Attributes {
		w, wok := want.Attributes[a.Name]
		g, gok := got.attr(a.Name)
		if wok != gok || wok && !reflect.DeepEqual(w.Expr, g) {
			t.Errorf("attribute %s differs: Content has it %v, contentOf %v", a.Name, wok, gok)
		}
	}
	if !reflect.DeepEqual(want.Blocks, got.blocks) {
		t.Errorf("blocks differ (-Content +contentOf):\n%s", cmp.Diff(want.Blocks, got.blocks, configCompare...))
	}
	SortDiagnostics(wantDiags)
	SortDiagnostics(gotDiags)
	if w, g := diagText(wantDiags), diagText(gotDiags); w != g {
		t.Errorf("diagnostics differ:\nContent:\n%s\ncontentOf:\n%s", w, g)
	}
}
