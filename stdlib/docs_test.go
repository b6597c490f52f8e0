package stdlib

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// docsPath is the user reference for this package, relative to the
// package folder (where go test runs).
const docsPath = "../docs/functions.md"

func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("the function reference must exist: %v", err)
	}
	return string(b)
}

// TestDocsListEveryFunction: every function in Functions() has a
// "### `name(…)`" heading in docs/functions.md, and every such heading
// names a function that exists.
func TestDocsListEveryFunction(t *testing.T) {
	docs := readDocs(t)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^### `([a-z]+)\\(").FindAllStringSubmatch(docs, -1) {
		documented[m[1]] = true
	}
	for name := range Functions() {
		if !documented[name] {
			t.Errorf("%s has no \"### `%s(…)`\" heading in %s", name, name, docsPath)
		}
	}
	for name := range documented {
		if _, ok := Functions()[name]; !ok {
			t.Errorf("%s documents %s, which Functions() does not have", docsPath, name)
		}
	}
}

// TestDocsExamples evaluates every "EXPRESSION  # → RESULT" line of the
// reference: RESULT is an HCL expression whose value must have the same
// JSON form as EXPRESSION's (so a tuple written in the docs matches a list
// or set result), or "error: TEXT" where TEXT must be in the error.
func TestDocsExamples(t *testing.T) {
	const sep = "  # → "
	sc := bufio.NewScanner(strings.NewReader(readDocs(t)))
	inHCL, n := false, 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		switch {
		case strings.HasPrefix(text, "```"):
			inHCL = text == "```hcl"
			continue
		case !inHCL || !strings.Contains(text, sep):
			continue
		}
		n++
		src, want, _ := strings.Cut(text, sep)
		got, diags := eval(t, src)
		if msg, isErr := strings.CutPrefix(want, "error: "); isErr {
			if !diags.HasErrors() || !strings.Contains(diags.Error(), msg) {
				t.Errorf("line %d: %s: got %#v %v, want an error containing %q", line, src, got, diags, msg)
			}
			continue
		}
		if diags.HasErrors() {
			t.Errorf("line %d: %s: %s", line, src, diags.Error())
			continue
		}
		wantVal, diags := eval(t, want)
		if diags.HasErrors() {
			t.Errorf("line %d: result %s is not an expression: %s", line, want, diags.Error())
			continue
		}
		gotJSON, err1 := ctyjson.Marshal(got, got.Type())
		wantJSON, err2 := ctyjson.Marshal(wantVal, wantVal.Type())
		if err1 != nil || err2 != nil || string(gotJSON) != string(wantJSON) {
			t.Errorf("line %d: %s = %s, docs say %s", line, src, gotJSON, wantJSON)
		}
	}
	if n < len(Functions()) {
		t.Errorf("found only %d examples in %s; the format of example lines changed?", n, docsPath)
	}
}

// TestDocsSizes checks the numbers quoted in the "Sizes" section.
func TestDocsSizes(t *testing.T) {
	docs := readDocs(t)
	parsed := regexp.MustCompile("`\"([^\"`]+)\"` = ([0-9]+)").FindAllStringSubmatch(docs, -1)
	for _, m := range parsed {
		got, err := ParseSize(m[1])
		if want, _ := strconv.ParseUint(m[2], 10, 64); err != nil || got != want {
			t.Errorf("docs say %q = %s; ParseSize gives %d, %v", m[1], m[2], got, err)
		}
	}
	formatted := regexp.MustCompile("([0-9]+) bytes is\\s+`([^`]+)`").FindAllStringSubmatch(docs, -1)
	for _, m := range formatted {
		n, _ := strconv.ParseUint(m[1], 10, 64)
		if got := FormatSize(n); got != m[2] {
			t.Errorf("docs say %s bytes is shown as %s; FormatSize gives %s", m[1], m[2], got)
		}
	}
	if len(parsed) < 4 || len(formatted) < 2 {
		t.Errorf("found %d size and %d format examples in %s; the wording changed?", len(parsed), len(formatted), docsPath)
	}
}
