package lang

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestConstant checks eval's shortcut against HCL's own evaluation: where
// constant gives a value, it is the one HCL computes.
func TestConstant(t *testing.T) {
	for _, src := range []string{`"abc"`, `""`, `"é"`, `1`, `1.5`, `true`, `null`, `"a${1}"`, `"${"a"}"`, `["a"]`, `"a\nb"`, `"%{if true}x%{endif}"`} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		want, diags := expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		got, ok := constant(expr)
		if !ok {
			continue
		}
		if !got.RawEquals(want) {
			t.Errorf("%s: constant gives %#v, HCL %#v", src, got, want)
		}
	}
	// The common cases do take the shortcut.
	for _, src := range []string{`"abc"`, `1`, `true`} {
		expr, _ := hclsyntax.ParseExpression([]byte(src), "t", hcl.InitialPos)
		if _, ok := constant(expr); !ok {
			t.Errorf("%s: no shortcut", src)
		}
	}
}
