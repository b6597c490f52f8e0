package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// cursor splits a document at its "|" into the text and the offset.
func cursor(t *testing.T, doc string) (*outline, int) {
	t.Helper()
	off := strings.Index(doc, "|")
	if off < 0 {
		t.Fatal("no cursor in the document")
	}
	return parseOutline("x.vsc.hcl", []byte(doc[:off]+doc[off+1:])), off
}

func TestOutlineBlocks(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		path []string
		attr string // the attribute whose value holds the cursor
	}{
		{"|", nil, ""},
		{"guest \"a\" {\n  |\n}\n", []string{"guest"}, ""},
		{"guest \"a\" {\n  build {\n    method = \"|\"\n  }\n}\n", []string{"guest", "build"}, "method"},
		// Unclosed blocks, as while typing, hold the rest of the file.
		{"host \"h\" {\n  table \"t\" {\n    route {\n      dev = |", []string{"host", "table", "route"}, "dev"},
		// A one-line block; an object value is not a block.
		{"guest \"a\" {\n  cpuset { cpus = \"0\" }\n  rlimits {\n    nofile = { soft = 1, hard = | }\n  }\n}", []string{"guest", "rlimits"}, "nofile"},
		// An unterminated string ends with its line.
		{"guest \"a\" {\n  hostname = \"web\n  build {\n    |\n  }\n}\n", []string{"guest", "build"}, ""},
		// Brackets spanning lines keep the attribute open.
		{"guest \"a\" {\n  flags = [\n    \"virt_mem\",\n    |\n  ]\n}\n", []string{"guest"}, "flags"},
		// Templates and heredocs hold braces that are no blocks.
		{"guest \"a\" {\n  hostname = \"${var.x}-{\"\n  hooks {\n    pre_start = [<<EOT\n{ }\nEOT\n    ]\n    |\n  }\n}\n", []string{"guest", "hooks"}, ""},
		// Stray closing brackets are ignored.
		{"]]) guest \"a\" {\n  }} |", nil, ""},
		{"locals {\n  a = 1\n  b = |\n}\n", []string{"locals"}, "b"},
	} {
		o, off := cursor(t, tc.doc)
		b := o.blockAt(off)
		if got := b.path(); !slices.Equal(got, tc.path) {
			t.Errorf("%q: path %v, want %v", tc.doc, got, tc.path)
		}
		a, onName := b.attrAt(off)
		got := ""
		if a != nil && !onName {
			got = a.Name
		}
		if got != tc.attr {
			t.Errorf("%q: in the value of %q, want %q", tc.doc, got, tc.attr)
		}
	}
}

func TestOutlineLabels(t *testing.T) {
	o := parseOutline("x", []byte("host \"srv1\" {\n  vlan \"eth0.7\" {\n    link = \"eth0\"\n  }\n  filesystem /var {\n  }\n}\nguest \"a\" \"b\" {}\n"))
	if len(o.root.Blocks) != 2 {
		t.Fatalf("%d top-level blocks", len(o.root.Blocks))
	}
	h := o.root.Blocks[0]
	if h.Type != "host" || h.label0() != "srv1" || len(h.Blocks) != 2 || h.Blocks[0].label0() != "eth0.7" {
		t.Errorf("host: %+v", h)
	}
	if v := h.Blocks[0]; v.attr("link") == nil || o.text(v.attr("link")) != `"eth0"` {
		t.Errorf("vlan link: %+v", v.Attrs)
	}
	if g := o.root.Blocks[1]; len(g.Labels) != 2 || g.Labels[1].Value != "b" || g.End != len(o.src)-1 {
		t.Errorf("guest: %+v", g)
	}
}

func TestOutlineValue(t *testing.T) {
	for _, tc := range []struct {
		doc              string
		inString, inList bool
		lit              string // the literal the edit replaces
	}{
		{"a = |", false, false, ""},
		{"a = \"|\"", true, false, ""},
		{"a = \"de|b\"", true, false, "deb"},
		{"a = [\"x\", \"y|\"]", true, true, "y"},
		{"a = [\"x\", |]", false, true, ""},
		{"a = [\"x\", \"|", true, true, ""},
		{"a = \"${var.x}|\"", true, false, ""},
		{"a = {b = \"|\"}", true, false, ""},
	} {
		o, off := cursor(t, tc.doc)
		a, _ := o.root.attrAt(off)
		if a == nil {
			t.Errorf("%q: no attribute", tc.doc)
			continue
		}
		st := o.valueAt(a, off)
		if st.inString != tc.inString || st.inList != tc.inList {
			t.Errorf("%q: inString %v inList %v, want %v %v", tc.doc, st.inString, st.inList, tc.inString, tc.inList)
		}
		if st.inString && string(o.src[st.litStart:st.litEnd]) != tc.lit {
			t.Errorf("%q: literal %q, want %q", tc.doc, o.src[st.litStart:st.litEnd], tc.lit)
		}
	}
}

func TestOutlineWordAndReference(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		ok   bool
		word string
	}{
		{"guest \"a\" {\n  host|\n}", true, "hostname"[:4]},
		{"guest \"a\" {\n  |\n}", true, ""},
		{"guest \"a\" {\n  # comment\n  |", true, ""},
		{"guest \"a\" {\n  build \"x|\"\n}", false, ""},
		{"guest \"a\" { con|", true, "con"},
		{"guest |", false, ""},
	} {
		o, off := cursor(t, tc.doc)
		start, _, ok := o.wordAt(off)
		if ok != tc.ok || (ok && string(o.src[start:off]) != tc.word) {
			t.Errorf("%q: wordAt = %q, %v; want %q, %v", tc.doc, o.src[start:off], ok, tc.word, tc.ok)
		}
	}
	for _, tc := range []struct{ doc, root, name string }{
		{"a = var.sub|net", "var", "subnet"},
		{"a = |local.base + 1", "local", "base"},
		{"a = local|.base", "local", "base"},
		{"a = \"${var.x|}\"", "var", "x"},
		{"a = x.var|.y", "", ""},
		{"a = each.ke|y", "", ""},
	} {
		o, off := cursor(t, tc.doc)
		root, name, _, _ := o.reference(o.tokenAt(off))
		if root != tc.root || name != tc.name {
			t.Errorf("%q: reference %s.%s, want %s.%s", tc.doc, root, name, tc.root, tc.name)
		}
	}
}

// The scan survives any input: random bytes of HCL's alphabet, deep
// nesting, every prefix of a real file.
func TestOutlineSurvives(t *testing.T) {
	src := "host \"h\" {\n  table \"t\" {\n    route { to = \"${a}\" }\n  }\n}\nguest \"g\" {\n  flags = [\"a\", <<E\nx\nE\n  ]\n  nofile = { soft = 1 }\n}\n"
	for i := range src {
		o := parseOutline("x", []byte(src[:i]))
		for off := 0; off <= i; off++ {
			b := o.blockAt(off)
			if a, _ := b.attrAt(off); a != nil {
				o.valueAt(a, off)
				o.stringAt(a, off)
			}
			o.wordAt(off)
			o.reference(o.tokenAt(off))
			o.headerAt(off)
		}
	}
	parseOutline("x", []byte(strings.Repeat("{[(\"${", 20000)))
	parseOutline("x", []byte(strings.Repeat("}])\"", 20000)))
	parseOutline("x", []byte(strings.Repeat("a = \"\n", 10000)))
}

// Lexing chunk by chunk gives the tokens of lexing the whole file, on
// every configuration of the repository and on what chunks could split:
// heredocs, block comments and templates whose lines start with a letter.
func TestLexChunks(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.vsc.hcl")
	more, _ := filepath.Glob("../compiler/testdata/*/*/*.vsc.hcl")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d files to compare on", len(files))
	}
	srcs := map[string]string{
		"heredoc":  "guest \"a\" {\n  hooks {\n    pre_start = [<<EOT\necho hi\nguest \"b\" {\nEOT\n    ]\n  }\n}\nhost \"h\" {}\n",
		"comment":  "/* a comment\nguest \"b\" {\n*/\nguest \"a\" {\n  context = 2 /* x\nnice = 3 */\n}\n",
		"template": "guest \"a\" {\n  hostname = \"${\nlower(\"X\")\n}.example.org\"\n}\nlocals {\n  a = 1\n}\n",
		"crlf":     "guest \"a\" {\r\n  context = 2\r\n}\r\nhost \"h\" {}\r\n",
		"empty":    "",
		"broken":   "guest \"a\" {\n  hostname = \"web\n  context = 2\n}\nhost \"h\" {\n  x = \"\n\n}\n",
		"unicode":  "# é\nguest \"é😀\" {\n  context = 2 # ☕\n}\nZ = 1",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = string(b)
	}
	for name, src := range srcs {
		want := lex(name, []byte(src))
		cache := &tokenCache{}
		for round := 0; round < 2; round++ { // the second from the cache
			got := lexChunks(name, []byte(src), cache)
			if !sameTokens(got, want) {
				t.Errorf("%s (round %d): chunked tokens differ:\n%s", name, round, diffTokens(got, want))
			}
		}
		// An edit in the middle re-lexes its chunk only, with the same
		// result as lexing the edited file whole.
		if len(src) > 10 {
			edited := src[:len(src)/2] + "\nnice = 1\n" + src[len(src)/2:]
			if got, want := lexChunks(name, []byte(edited), cache), lex(name, []byte(edited)); complete(want) && !sameTokens(got, want) {
				t.Errorf("%s edited: chunked tokens differ:\n%s", name, diffTokens(got, want))
			}
		}
	}
}

func sameTokens(a, b hclsyntax.Tokens) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || string(a[i].Bytes) != string(b[i].Bytes) || a[i].Range != b[i].Range {
			return false
		}
	}
	return true
}

func diffTokens(got, want hclsyntax.Tokens) string {
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i].Type != want[i].Type || string(got[i].Bytes) != string(want[i].Bytes) || got[i].Range != want[i].Range {
			return fmt.Sprintf("token %d: got %s %q %v, want %s %q %v", i, got[i].Type, got[i].Bytes, got[i].Range, want[i].Type, want[i].Bytes, want[i].Range)
		}
	}
	return fmt.Sprintf("got %d tokens, want %d", len(got), len(want))
}
