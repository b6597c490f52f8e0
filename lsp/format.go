package lsp

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

type formattingParams struct {
	TextDocument textDocumentIdentifier `json:"textDocument"`
}

// formatting formats a native-syntax document as `vsc fmt` does, with
// hclwrite.Format, and like it leaves a document that does not parse (and
// any JSON document) as it is.
func (s *server) formatting(ctx context.Context, raw json.RawMessage) (any, error) {
	var p formattingParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	d, enc := s.document(p.TextDocument.URI)
	if d == nil || d.isJSON() {
		return []textEdit{}, nil
	}
	out, ok := format(d.src)
	if !ok || bytes.Equal(out, d.src) {
		return []textEdit{}, nil
	}
	_, t := d.parsed()
	return []textEdit{{Range: t.spanOf(0, len(d.src), enc), NewText: string(out)}}, nil
}

// format returns src formatted; ok is false when src does not parse.
func format(src []byte) ([]byte, bool) {
	if tooDeep(src) {
		return nil, false
	}
	if _, diags := hclsyntax.ParseConfig(src, "", hcl.InitialPos); diags.HasErrors() {
		return nil, false
	}
	return hclwrite.Format(src), true
}

// maxNesting is lang's bound on nesting: HCL's parser recurses once per
// level, and a goroutine stack overflow cannot be recovered from.
const maxNesting = 256

// tooDeep reports whether brackets or unary operators nest deeper than
// maxNesting, counting as lang does (inside strings and comments too).
func tooDeep(src []byte) bool {
	depth, run := 0, 0
	for _, c := range src {
		switch c {
		case '(', '[', '{':
			depth++
			run = 0
		case ')', ']', '}':
			depth--
			run = 0
		case '!', '-':
			run++
		case ' ', '\t', '\r', '\n':
		default:
			run = 0
		}
		if depth > maxNesting || run > maxNesting {
			return true
		}
	}
	return false
}
