package lang

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"vsc/internal/benchgen"
)

// fastParse is only a faster way to parse: whenever it succeeds, its tree
// is exactly HCL's, unexported fields and ranges included, and HCL reports
// nothing.

// sameAsHCL parses src both ways and fails if fastParse succeeds with a
// different tree, panics, or accepts what HCL reports. It reports whether
// fastParse succeeded.
func sameAsHCL(t testing.TB, src []byte, start hcl.Pos) bool {
	t.Helper()
	const name = "fast/main.vsc.hcl"
	var got *hclsyntax.Body
	ok := false
	if reason := catch(func() { got, ok = fastParse(src, name, start) }); reason != nil {
		t.Fatalf("fastParse panics on %q: %v", src, reason)
	}
	if !ok {
		return false
	}
	f, diags := hclsyntax.ParseConfig(src, name, start)
	if len(diags) > 0 {
		t.Fatalf("fastParse accepts %q, on which HCL reports: %s", src, diags.Error())
	}
	if want := f.Body.(*hclsyntax.Body); !reflect.DeepEqual(want, got) {
		t.Fatalf("fastParse's tree of %q differs (-hcl +fast):\n%s", src,
			cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })))
	}
	return true
}

// fastCases: read by fastParse unless their name starts with bail- (outside
// the subset, or not valid).
var fastCases = map[string]string{
	"empty":               ``,
	"spaces":              "  \t ",
	"newline":             "\n",
	"newlines":            "\n\n  \n",
	"only-comment":        "# x\n",
	"only-comment-eof":    "# x",
	"only-slashes":        "// x\n",
	"only-block-comment":  "/* x */",
	"block-comment-lines": "/* x\n y */\n",
	"attr":                "a = 1\n",
	"attr-eof":            "a = 1",
	"attr-spaces":         "a\t=  1   \n",
	"attr-comment":        "a = 1 # note\n",
	"attr-comment-eof":    "a = 1 # note",
	"attr-slashes":        "a = 1 // note\n",
	"attr-block-comment":  "a /* x */ = /* y */ 1 /* z */\n",
	"attr-comment-lines":  "a = 1 /* x\n y */\nb = 2\n",
	"attrs":               "a = 1\nb = 2\n\n\nc = 3\n",
	"indented":            "  a = 1\n",
	"tabs":                "\ta\t=\t\"x\ty\"\t# z\t\n",
	"name-dash":           "a-b_c9 = x-y\n",
	"name-underscore":     "_a = _b\n",
	"string":              `a = "abc"` + "\n",
	"string-empty":        `a = ""` + "\n",
	"string-escapes":      `a = "x\n\r\t\"\\y"` + "\n",
	"string-only-escape":  `a = "\\"` + "\n",
	"string-dollar":       `a = "$ 5% $x %y$"` + "\n",
	"string-dollar-end":   `a = "5$"` + "\n",
	"string-percent-end":  `a = "50%"` + "\n",
	"string-braces":       `a = "}{ ]["` + "\n",
	"string-hash":         `a = "# not // a /* comment"` + "\n",
	"string-long":         `a = "` + strings.Repeat("x", 100) + `"` + "\n",
	"strings-repeated":    "a = \"eth0\"\nb = \"eth0\"\nc = \"eth0\"\n",
	"int":                 "a = 42\n",
	"zero":                "a = 0\n",
	"leading-zeros":       "a = 007\n",
	"decimal":             "a = 3.25\n",
	"exponent":            "a = 1e3\nb = 2E-2\nc = 1.5e+10\n",
	"big":                 "a = 123456789012345678901234567890\n",
	"negative":            "a = -1\nb = -2.5\n",
	"true-false-null":     "a = true\nb = false\nc = null\n",
	"reference":           "a = var.x\n",
	"reference-long":      "a = local.y.z-w.v_1\n",
	"reference-root":      "a = each\n",
	"keyword-prefix":      "a = true_x\nb = nullable\nc = false-y\n",
	"tuple":               `a = ["x", 1, true]` + "\n",
	"tuple-empty":         "a = []\n",
	"tuple-empty-spaces":  "a = [ \n ]\n",
	"tuple-trailing":      "a = [1, 2,]\n",
	"tuple-lines": `a = [
  "x", # one
  "y", // two
  /* three */ "z"
]
`,
	"tuple-nested":       "a = [[1], [], [[2, 3]]]\n",
	"tuple-for-like":     "a = [format, fork]\n",
	"tuple-of-objects":   "a = [{ x = 1 }, {}]\n",
	"object":             "a = { soft = 1024, hard = 4096 }\n",
	"object-empty":       "a = {}\n",
	"object-colon":       "a = { b: 1, c: 2 }\n",
	"object-quoted-keys": `a = { "b" = 1, "" = 2 }` + "\n",
	"object-trailing":    "a = { b = 1, }\n",
	"object-lines": `a = {
  b = 1
  c = "x" # note

  d = [1,
    2]
  e = { f = true }
}
`,
	"object-comma-newline": "a = {\n  b = 1,\n  c = 2,\n}\n",
	"object-comment-first": "a = { # note\n  b = 1\n}\n",
	"object-keyword-keys":  "a = { true = 1, null = 2, x.y = 3, format = 4 }\n",
	"object-for-later":     "a = { b = 1, for = 2 }\n",
	"block":                "a {\n}\n",
	"block-empty":          "a {}\n",
	"block-empty-eof":      "a {}",
	"block-labels":         `a "x" y "" {}` + "\n",
	"block-label-escape":   `a "x\"y" {}` + "\n",
	"block-label-tight":    `a"x"{}` + "\n",
	"block-body": `host "srv1" {
  interface "eth0" {
    addresses = ["10.255.0.1/16"]
  }
  table "t0" {
    id = 100
    route {
      to  = "172.16.0.0/30"
      dev = "eth0"
    }
  }
}
`,
	"block-comment-after":  "a {\n} # note\nb {} // note\n",
	"block-comment-brace":  "a { # note\n  b = 1\n}\n",
	"block-one-line":       "a { b = 1 }\n",
	"block-one-line-label": `variable "x" { default = [1, 2] }` + "\n",
	"block-one-line-tight": "a {b=1}\n",
	"block-one-line-lines": "a { b = [\n1] }\n",
	"block-one-line-eof":   "a { b = 1 }",
	"blocks-repeated":      "a {}\na {}\nb {\n  a {}\n}\n",
	"block-comment-inside": "a /* x */ \"y\" /* z */ {\n}\n",
	"mixed": `# A header.

defaults {
  nice      = 0
  autostart = true
  flags     = ["virt_mem", "virt_uptime"]

  namespace {
    cleanup = true
  }
}

guest "web" {
  context  = 300
  hostname = "web.example.org"
  rlimits {
    nofile = { soft = 1024, hard = 4096 }
  }
}
`,

	"bail-cr":                 "a = 1\r\n",
	"bail-cr-comment":         "# x\r\na = 1\n",
	"bail-utf8":               `a = "é"` + "\n",
	"bail-utf8-comment":       "# é\na = 1\n",
	"bail-bom":                "\xef\xbb\xbfa = 1\n",
	"bail-bad-utf8":           "a = \"\xff\"\n",
	"bail-control":            "a = \"\x01\"\n",
	"bail-control-comment":    "# \x00\n",
	"bail-del":                "a = \"\x7f\"\n",
	"bail-interp":             `a = "${b}"` + "\n",
	"bail-directive":          `a = "%{ if true }x%{ endif }"` + "\n",
	"bail-escaped-interp":     `a = "$${b}"` + "\n",
	"bail-escaped-directive":  `a = "%%{b}"` + "\n",
	"bail-dollars":            `a = "$$"` + "\n",
	"bail-unicode-escape":     `a = "\u00e9"` + "\n",
	"bail-bad-escape":         `a = "\q"` + "\n",
	"bail-backslash-end":      `a = "\`,
	"bail-label-interp":       `a "${b}" {}` + "\n",
	"bail-unterminated":       `a = "x`,
	"bail-string-newline":     "a = \"x\ny\"\n",
	"bail-heredoc":            "a = <<EOT\nx\nEOT\n",
	"bail-add":                "a = 1 + 2\n",
	"bail-sub":                "a = 1 - 2\n",
	"bail-sub-tight":          "a = 1-2\n",
	"bail-negate-ref":         "a = -b\n",
	"bail-negate-space":       "a = - 1\n",
	"bail-not":                "a = !true\n",
	"bail-compare":            "a = b == c\n",
	"bail-cond":               "a = b ? 1 : 2\n",
	"bail-call":               "a = f(1)\n",
	"bail-call-namespace":     "a = p::f(1)\n",
	"bail-paren":              "a = (1)\n",
	"bail-index":              "a = b[0]\n",
	"bail-legacy-index":       "a = b.0\n",
	"bail-splat":              "a = b[*].c\n",
	"bail-attr-splat":         "a = b.*.c\n",
	"bail-dot-space":          "a = b .c\n",
	"bail-literal-attr":       "a = true.x\n",
	"bail-string-attr":        `a = "x".y` + "\n",
	"bail-number-attr":        "a = 1.x\n",
	"bail-number-dot":         "a = 1.\n",
	"bail-number-dots":        "a = 1.2.3\n",
	"bail-number-e":           "a = 1e\n",
	"bail-number-name":        "a = 1x\n",
	"bail-hex":                "a = 0x10\n",
	"bail-tuple-index":        "a = [1][0]\n",
	"bail-tuple-for":          "a = [for x in y: x]\n",
	"bail-tuple-for-word":     "a = [for]\n",
	"bail-object-for":         "a = {for k, v in m: k => v}\n",
	"bail-object-for-line":    "a = {\n  # x\n  for = 1\n}\n",
	"bail-object-paren-key":   "a = { (b) = 1 }\n",
	"bail-object-number-key":  "a = { 1 = 2 }\n",
	"bail-object-no-sep":      "a = { b = 1 c = 2 }\n",
	"bail-object-double-sep":  "a = { b = 1,, c = 2 }\n",
	"bail-object-eq-eq":       "a = { b == 1 }\n",
	"bail-object-arrow":       "a = { b => 1 }\n",
	"bail-object-colons":      "a = { b :: 1 }\n",
	"bail-object-unclosed":    "a = { b = 1\n",
	"bail-object-comment-eof": "a = { b = 1 # x",
	"bail-tuple-no-comma":     "a = [1 2]\n",
	"bail-tuple-double-comma": "a = [1,, 2]\n",
	"bail-tuple-unclosed":     "a = [1,\n",
	"bail-tuple-op-line":      "a = [1\n+ 2]\n",
	"bail-ellipsis":           "a = f(b...)\n",
	"bail-missing-value":      "a =\n",
	"bail-missing-value-eof":  "a =",
	"bail-value-next-line":    "a =\n1\n",
	"bail-two-attrs":          "a = 1 b = 2\n",
	"bail-comma":              "a = 1,\n",
	"bail-eq-eq":              "a == 1\n",
	"bail-arrow":              "a => 1\n",
	"bail-redefined":          "a = 1\na = 2\n",
	"bail-name-only":          "a\n",
	"bail-quoted-name":        `"a" = 1` + "\n",
	"bail-number-item":        "1 = 2\n",
	"bail-close":              "}\n",
	"bail-open":               "{\n",
	"bail-unclosed-block":     "a {\n",
	"bail-unclosed-block-eof": "a {",
	"bail-block-header-line":  "a\n{\n}\n",
	"bail-block-eq":           "a \"b\" = 1\n",
	"bail-block-number":       "a 1 {}\n",
	"bail-block-after":        "a {} b {}\n",
	"bail-block-after-attr":   "a {} b = 1\n",
	"bail-one-line-newline":   "a { b = 1\n}\n",
	"bail-one-line-comment":   "a { b = 1 # x\n}\n",
	"bail-one-line-comma":     "a { b = 1, c = 2 }\n",
	"bail-one-line-block":     "a { b {} }\n",
	"bail-one-line-two":       "a { b = 1 c = 2 }\n",
	"bail-unclosed-comment":   "/* x",
	"bail-slash":              "/ x\n",
	"bail-slash-attr":         "a = 1 / 2\n",
	"bail-semicolon":          "a = 1;\n",
	"bail-backtick":           "a = `x`\n",
	"bail-name-eof":           "a",
	"bail-labels-eof":         `a "b"`,
	"bail-nested-quoted-name": "a {\n  \"b\" = 1\n}\n",
	"bail-nested-slash":       "a {\n  / x\n}\n",
	"bail-negative-name":      "a = -1x\n",
	"bail-object-open-eof":    "a = { # x",
	"bail-comment-control":    "a = 1 /* \x01 */\n",
	"bail-comment-utf8":       "/* é */\n",
	"bail-slash-comment-utf8": "a = 1 // é\n",
	"bail-tuple-comment-utf8": "a = [ # é\n]\n",
	"bail-deep-blocks":        strings.Repeat("a {\n", fastMaxDepth+1) + strings.Repeat("}\n", fastMaxDepth+1),
	"bail-deep-tuples":        "a = " + strings.Repeat("[", fastMaxDepth+1) + strings.Repeat("]", fastMaxDepth+1) + "\n",
	"bail-deep-objects":       "a = " + strings.Repeat("{ b = ", fastMaxDepth+1) + "1" + strings.Repeat(" }", fastMaxDepth+1) + "\n",
	"deep-blocks":             strings.Repeat("a {\n", fastMaxDepth) + strings.Repeat("}\n", fastMaxDepth),
	"deep-tuples":             "a = " + strings.Repeat("[", fastMaxDepth) + strings.Repeat("]", fastMaxDepth) + "\n",
	"name-long":               strings.Repeat("n", 40) + " = " + strings.Repeat("m", 40) + "." + strings.Repeat("o", 40) + "\n",
}

// Unclosed block comments, wherever spaces may be.
func init() {
	for i, src := range []string{
		"a /*", "a = /*", "a = 1 /*", "a /* x */ \"b\" /*", "a {/*", "a { b /*", "a { b = 1 /*",
		"a = [/*", "a = [1 /*", "a = [1, /*", "a = {/*", "a = { b /*", "a = { b = /*", "a = { b = 1 /*",
		"a = {\n/*", "a {\n/*",
	} {
		fastCases[fmt.Sprintf("bail-unclosed-comment-%d", i)] = src
	}
}

func TestFastParse(t *testing.T) {
	for name, src := range fastCases {
		t.Run(name, func(t *testing.T) {
			for _, start := range fastStarts {
				took := sameAsHCL(t, []byte(src), start)
				if want := !strings.HasPrefix(name, "bail-"); took != want {
					t.Errorf("start %v: read by fastParse: %v, want %v", start, took, want)
				}
			}
		})
	}
}

// fastStarts are the positions the tests parse from: the start of a file,
// and the middle of one (a chunk, a line not at its start).
var fastStarts = []hcl.Pos{hcl.InitialPos, {Line: 12, Column: 1, Byte: 340}, {Line: 3, Column: 7, Byte: 50}}

// The configurations of the repository: each file, and each chunk of
// each as Load cuts them, reads the same both ways. Most of the files that
// HCL reads without a problem are read by fastParse: the others hold
// function calls, operators, templates or non-ASCII text.
func TestFastParseFiles(t *testing.T) {
	var clean, fast int
	for _, file := range repoFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
		if len(diags) == 0 {
			clean++
		}
		if sameAsHCL(t, src, hcl.InitialPos) {
			fast++
		} else if len(diags) == 0 {
			t.Logf("%s: not read by fastParse", file)
		}
		for _, c := range splitFile(file, src) {
			sameAsHCL(t, c.src, c.start)
		}
	}
	if fast < clean*3/4 {
		t.Errorf("fastParse reads %d of the %d files HCL reads without a problem", fast, clean)
	}
}

// repoFiles lists the native configuration files of the repository's
// tests and examples.
func repoFiles(t testing.TB) []string {
	var files []string
	for _, dir := range []string{"../testdata", "../compiler/testdata", "../examples", "testdata"} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, SuffixNative) {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no configuration file found")
	}
	return files
}

// The generated configurations of the benchmarks are read by fastParse
// whole.
func TestFastParseGenerated(t *testing.T) {
	for name, src := range fastBenchFiles(t, 100) {
		if !sameAsHCL(t, src, hcl.InitialPos) {
			t.Errorf("%s: not read by fastParse", name)
		}
		for _, c := range splitFile(name, src) {
			if !sameAsHCL(t, c.src, c.start) {
				t.Errorf("%s: chunk at line %d not read by fastParse", name, c.start.Line)
			}
		}
	}
}

// FuzzFastParse: whatever the input, fastParse gives up or gives HCL's
// tree, never a panic.
func FuzzFastParse(f *testing.F) {
	for _, src := range fastCases {
		f.Add([]byte(src))
	}
	for _, file := range repoFiles(f) {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, start := range fastStarts {
			sameAsHCL(t, src, start)
		}
	})
}

// fastBenchFiles returns the generated configurations: the host of 5,000
// routes and 500 rules of `vsc apply`'s benchmark (internal/bench), and
// benchgen's files for the given number of guests.
func fastBenchFiles(t testing.TB, guests int) map[string][]byte {
	dir := t.TempDir()
	if _, err := benchgen.Write(dir, benchgen.Options{Guests: guests}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"routes.vsc.hcl": routesRules()}
	for _, name := range []string{"hosts.vsc.hcl", "defaults.vsc.hcl", "guests-0001.vsc.hcl"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = src
	}
	return files
}

// routesRules is the configuration of internal/bench's writeRoutesRules:
// one host with ten tables of 500 routes, and 500 rules.
func routesRules() []byte {
	var cfg strings.Builder
	cfg.WriteString(`host "bench" {
  interface "eth0" {
    addresses = ["10.255.0.1/16"]
  }
`)
	const tables, routes, rules = 10, 5000, 500
	for t := 0; t < tables; t++ {
		fmt.Fprintf(&cfg, "  table \"t%d\" {\n    id = %d\n", t, 100+t)
		for r := 0; r < routes/tables; r++ {
			to := fmt.Sprintf("172.%d.%d.%d/30", 16+t, r/64, (r%64)*4)
			fmt.Fprintf(&cfg, "    route {\n      to  = %q\n      dev = \"eth0\"\n    }\n", to)
		}
		cfg.WriteString("  }\n")
	}
	for i := 0; i < rules; i++ {
		from := fmt.Sprintf("10.%d.%d.0/24", 1+i/250, i%250)
		fmt.Fprintf(&cfg, "  rule {\n    from     = %q\n    table    = \"t%d\"\n    priority = %d\n  }\n", from, i%tables, 2000+i)
	}
	cfg.WriteString("}\n")
	return []byte(cfg.String())
}

// BenchmarkFastParse compares fastParse with HCL's parser on the host of
// 5,000 routes and 500 rules, parsed whole as Load does (one top-level
// item, one chunk), and on benchgen's file of 1,000 guests, parsed chunk
// by chunk as Load does:
//
//	go test ./lang -run '^$' -bench FastParse -benchmem -count 5
func BenchmarkFastParse(b *testing.B) {
	files := fastBenchFiles(b, 1000)
	inputs := []struct {
		name   string
		chunks []chunk
	}{
		{"routes", []chunk{{name: "routes.vsc.hcl", src: files["routes.vsc.hcl"], start: hcl.InitialPos}}},
		{"guests", splitFile("guests-0001.vsc.hcl", files["guests-0001.vsc.hcl"])},
	}
	for _, in := range inputs {
		var size int64
		for _, c := range in.chunks {
			size += int64(len(c.src))
		}
		b.Run(in.name+"/hclsyntax", func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range in.chunks {
					if _, diags := hclsyntax.ParseConfig(c.src, c.name, c.start); len(diags) > 0 {
						b.Fatal(diags)
					}
				}
			}
		})
		b.Run(in.name+"/fast", func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range in.chunks {
					if _, ok := fastParse(c.src, c.name, c.start); !ok {
						b.Fatal("not read by fastParse")
					}
				}
			}
		})
	}
}
