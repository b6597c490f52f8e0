package lsp

import (
	"context"
	"encoding/json"
	"strings"
)

type documentSymbolParams struct {
	TextDocument textDocumentIdentifier `json:"textDocument"`
}

// documentSymbol gives the outline of a document: its variables, locals,
// hosts (with their links, tables, rules and filesystems), defaults and
// guests (with their blocks). It reads the token outline, so a document
// being typed still has one.
func (s *server) documentSymbol(ctx context.Context, raw json.RawMessage) (any, error) {
	var p documentSymbolParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	d, enc := s.document(p.TextDocument.URI)
	if d == nil || d.isJSON() {
		return []documentSymbol{}, nil
	}
	s.mu.Lock()
	hierarchical := s.hierarchical
	s.mu.Unlock()
	o, t := d.parsed()
	syms := symbolsOf(o, o.root, t, enc)
	if hierarchical {
		return syms, nil
	}
	flat := []symbolInformation{}
	var walk func(list []documentSymbol, container string)
	walk = func(list []documentSymbol, container string) {
		for _, sym := range list {
			flat = append(flat, symbolInformation{Name: sym.Name, Kind: sym.Kind, ContainerName: container,
				Location: Location{URI: d.uri, Range: sym.Range}})
			walk(sym.Children, sym.Name)
		}
	}
	walk(syms, "")
	return flat, nil
}

// symbolKinds picks an icon per block type.
var symbolKinds = map[string]int{
	"variable":   symbolVariable,
	"locals":     symbolNamespace,
	"host":       symbolModule,
	"defaults":   symbolObject,
	"guest":      symbolObject,
	"interface":  symbolInterface,
	"vlan":       symbolInterface,
	"table":      symbolStruct,
	"route":      symbolField,
	"rule":       symbolEvent,
	"filesystem": symbolNamespace,
	"mount":      symbolNamespace,
}

func symbolsOf(o *outline, b *block, t *text, enc encoding) []documentSymbol {
	out := []documentSymbol{}
	if b.Type == "locals" {
		for _, a := range b.Attrs {
			out = append(out, documentSymbol{Name: a.Name, Detail: "local", Kind: symbolConstant,
				Range:          t.spanOf(a.NameRange.Start.Byte, max(a.End, a.NameRange.End.Byte), enc),
				SelectionRange: t.rangeOf(a.NameRange, enc)})
		}
		return out
	}
	for _, c := range b.Blocks {
		sym := documentSymbol{Name: c.Type, Kind: symbolStruct,
			Range: t.spanOf(c.TypeRange.Start.Byte, c.End, enc), SelectionRange: t.rangeOf(c.TypeRange, enc)}
		if k, ok := symbolKinds[c.Type]; ok {
			sym.Kind = k
		}
		if len(c.Labels) > 0 && c.Labels[0].Value != "" {
			sym.Name, sym.Detail = c.Labels[0].Value, c.Type
			sym.SelectionRange = t.rangeOf(c.Labels[0].Range, enc)
		} else {
			sym.Detail = symbolDetail(o, c)
		}
		sym.Children = symbolsOf(o, c, t, enc)
		out = append(out, sym)
	}
	return out
}

// symbolDetail sums up a block without a label by its key attributes.
func symbolDetail(o *outline, b *block) string {
	var parts []string
	for _, name := range [...]string{"from", "to", "via", "dev", "table", "method", "style", "action"} {
		if a := b.attr(name); a != nil {
			parts = append(parts, name+" "+strings.Trim(o.text(a), `"`))
		}
	}
	return truncate(strings.Join(parts, " "), 80)
}
