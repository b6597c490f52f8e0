package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns a native-syntax file in canonical form (hclwrite's, as
// terraform fmt writes it), comments kept. A file that does not parse is
// refused with its syntax diagnostics rather than rewritten into
// something else; so is one nested too deep for the parser.
func Format(name string, src []byte) ([]byte, hcl.Diagnostics) {
	if d := guardNesting(name, src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		return nil, withCode(diags, CodeSyntax)
	}
	return hclwrite.Format(src), nil
}
