package lsp

import (
	"bytes"
	"context"
	"encoding/json"

	"vsc/lang"
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

// format returns src formatted as vsc fmt does; ok is false when src
// does not parse.
func format(src []byte) ([]byte, bool) {
	out, diags := lang.Format("", src)
	return out, !diags.HasErrors()
}
