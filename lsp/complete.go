package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// completion offers, at the cursor: the attributes and blocks the
// enclosing block may hold (at the start of a statement); the values an
// attribute takes (enumerations, flags, capabilities, names of hosts,
// links and tables declared elsewhere); the variables and locals after
// `var.` and `local.`.
func (s *server) completion(ctx context.Context, raw json.RawMessage) (any, error) {
	var p textDocumentPositionParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	d, enc := s.document(p.TextDocument.URI)
	if d == nil || d.isJSON() {
		return completionList{Items: []completionItem{}}, nil
	}
	s.mu.Lock()
	snippets := s.snippets
	s.mu.Unlock()
	o, t := d.parsed()
	c := &completer{s: s, ctx: ctx, doc: d, o: o, t: t, enc: enc, off: t.offset(p.Position, enc), snippets: snippets}
	c.complete()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.items == nil {
		c.items = []completionItem{}
	}
	return completionList{Items: c.items}, nil
}

type completer struct {
	s        *server
	ctx      context.Context
	doc      *document
	o        *outline
	t        *text
	enc      encoding
	off      int
	snippets bool
	snap     *snapshot
	items    []completionItem
}

// snapshot loads the configuration for names declared elsewhere, once.
func (c *completer) snapshot() *snapshot {
	if c.snap == nil {
		c.snap = c.s.fresh(c.ctx, c.doc.path)
	}
	return c.snap
}

func (c *completer) add(item completionItem, start, end int) {
	item.TextEdit.Range = c.t.spanOf(start, end, c.enc)
	item.SortText = fmt.Sprintf("%04d", len(c.items))
	c.items = append(c.items, item)
}

func (c *completer) complete() {
	o, off := c.o, c.off
	b := o.blockAt(off)
	if hb, _ := o.headerAt(off); hb != nil {
		return // a block's type or label: nothing to offer
	}
	a, onName := b.attrAt(off)
	if a != nil && !onName {
		c.value(b, a)
		return
	}
	// The client filters the names by the text the edit replaces.
	if start, end, ok := o.wordAt(off); ok {
		c.names(b, a, start, end)
	}
}

// names offers the attributes and blocks of b not given yet (a, whose
// name is under the cursor, excepted).
func (c *completer) names(b *block, under *attr, start, end int) {
	path := b.path()
	body, ok := bodyAt(path)
	if !ok {
		return
	}
	have := map[string]bool{}
	for _, x := range b.Attrs {
		if x != under {
			have[x.Name] = true
		}
	}
	for _, x := range b.Blocks {
		have[x.Type] = true
	}
	docs := langDocs()
	for _, e := range body {
		if have[e.Name] && !e.Repeatable {
			continue
		}
		item := completionItem{Label: e.Name, TextEdit: &textEdit{}}
		sub := append(slices.Clone(path), e.Name)
		var doc string
		if e.Block {
			item.Kind = kindStruct
			item.Detail = "block"
			if e.Label != "" {
				item.Detail = fmt.Sprintf("block %s \"%s\"", e.Name, strings.ToUpper(e.Label))
			}
			doc = docs.blockDoc(sub)
			item.TextEdit.NewText = e.Name
			if c.snippets {
				item.InsertTextFormat = formatSnippet
				if e.Label != "" {
					item.TextEdit.NewText = fmt.Sprintf("%s \"${1:%s}\" {\n\t$0\n}", e.Name, e.Label)
				} else {
					item.TextEdit.NewText = e.Name + " {\n\t$0\n}"
				}
			}
		} else {
			item.Kind = kindProperty
			item.Detail = "attribute"
			if e.Required {
				item.Detail = "required attribute"
			}
			doc = docs.attrDoc(path, e.Name)
			item.TextEdit.NewText = e.Name + " = "
			if under != nil {
				item.TextEdit.NewText = e.Name // only the name is replaced
			} else if c.snippets && len(e.Enum) > 0 {
				item.InsertTextFormat = formatSnippet
				item.TextEdit.NewText = fmt.Sprintf("%s = \"${1|%s|}\"", e.Name, strings.Join(e.Enum, ","))
			}
		}
		if doc != "" {
			item.Documentation = &markupContent{Kind: "markdown", Value: doc}
		}
		c.add(item, start, end)
	}
}

// value offers what attribute a of b may take at the cursor.
func (c *completer) value(b *block, a *attr) {
	o, off := c.o, c.off
	st := o.valueAt(a, off)
	path := b.path()

	// After var. or local.: the names declared.
	if !st.inString && st.prev >= 0 {
		if root, start, end, ok := c.traversal(st.prev); ok {
			c.declared(root, start, end)
			return
		}
	}
	values, kind := c.valuesFor(b, path, a, st)
	if st.inString {
		for _, v := range values {
			c.add(completionItem{Label: v.label, Kind: kind, Detail: v.detail, Documentation: v.doc, TextEdit: &textEdit{NewText: v.label}}, st.litStart, st.litEnd)
		}
		return
	}
	// Outside quotes: at the start of the value or of a list element, or
	// on a bare word being typed there.
	start, end := off, off
	if st.prev >= 0 {
		t := o.toks[st.prev]
		switch {
		case t.Type == hclsyntax.TokenIdent && off <= t.Range.End.Byte:
			start, end = t.Range.Start.Byte, t.Range.End.Byte
		case t.Type == hclsyntax.TokenEqual, t.Type == hclsyntax.TokenOBrack, t.Type == hclsyntax.TokenComma,
			t.Type == hclsyntax.TokenOParen, t.Type == hclsyntax.TokenTemplateInterp:
		default:
			return
		}
	}
	for _, v := range values {
		c.add(completionItem{Label: v.label, Kind: kind, Detail: v.detail, Documentation: v.doc,
			FilterText: v.label, TextEdit: &textEdit{NewText: `"` + v.label + `"`}}, start, end)
	}
	c.references(start, end)
}

type value struct {
	label, detail string
	doc           *markupContent
}

// valuesFor lists the strings attribute a of a block at path takes.
func (c *completer) valuesFor(b *block, path []string, a *attr, st valueState) ([]value, int) {
	body, _ := bodyAt(path)
	e := body.get(a.Name)
	key := strings.Join(path, "/") + "." + a.Name
	var out []value
	switch {
	case e != nil && len(e.Enum) > 0:
		sec, own := langDocs().section(path)
		for _, v := range e.Enum {
			val := value{label: v}
			if sec != nil && own && sec.rows[v] != "" {
				val.doc = &markupContent{Kind: "markdown", Value: sec.rows[v]}
			}
			out = append(out, val)
		}
		return out, kindEnum
	case key == "guest.flags" || key == "defaults.flags":
		if !st.inList {
			return nil, 0
		}
		have := c.o.stringsOf(a, c.off)
		for _, f := range contextFlags {
			if !have[f] {
				out = append(out, value{label: f, detail: "context flag"})
			}
		}
		return out, kindConstant
	case strings.HasSuffix(key, "/capabilities.add") || strings.HasSuffix(key, "/capabilities.drop"):
		if !st.inList {
			return nil, 0
		}
		have := c.o.stringsOf(a, c.off)
		for i, cp := range capabilities {
			if have[cp] || have["CAP_"+cp] {
				continue
			}
			v := value{label: cp, detail: fmt.Sprintf("CAP_%s (%d)", cp, i)}
			if dangerous(cp) && strings.HasSuffix(key, ".add") {
				v.detail += " — dangerous"
			}
			out = append(out, v)
		}
		return out, kindConstant
	case key == "variable.type":
		return nil, 0
	}
	if st.inList || st.depth > 1 || (st.depth == 1 && !st.inString) {
		return nil, 0
	}
	switch refKindOf(path, a.Name) {
	case refHost:
		if snap := c.snapshot(); snap != nil {
			for _, h := range snap.cfg.Hosts {
				out = append(out, value{label: h.Name.V, detail: "host", doc: &markupContent{"markdown", hostDoc(snap, h)}})
			}
		}
		return out, kindModule
	case refLink:
		if snap := c.snapshot(); snap != nil {
			for _, h := range hostsOf(snap, b.top()) {
				for _, i := range h.Interfaces {
					out = append(out, value{label: i.Name.V, detail: "interface of " + h.Name.V, doc: &markupContent{"markdown", interfaceDoc(h, i)}})
				}
				for _, v := range h.VLANs {
					out = append(out, value{label: v.Name.V, detail: fmt.Sprintf("vlan %d on %s, of %s", v.ID.V, v.Link.V, h.Name.V), doc: &markupContent{"markdown", vlanDoc(h, v)}})
				}
			}
		}
		return dedupe(out), kindValue
	case refTable:
		if snap := c.snapshot(); snap != nil {
			for _, h := range hostsOf(snap, b.top()) {
				for _, t := range h.Tables {
					out = append(out, value{label: t.Name.V, detail: fmt.Sprintf("table %d of %s", t.ID.V, h.Name.V), doc: &markupContent{"markdown", tableDoc(h, t)}})
				}
			}
		}
		return dedupe(out), kindValue
	}
	return nil, 0
}

// dedupe keeps the first value of each label (a link of several hosts).
func dedupe(vs []value) []value {
	seen := map[string]bool{}
	out := vs[:0]
	for _, v := range vs {
		if !seen[v.label] {
			seen[v.label] = true
			out = append(out, v)
		}
	}
	return out
}

// traversal tells whether the tokens up to index i are `var.` or
// `local.`, possibly followed by part of a name, and returns the range the
// name takes.
func (c *completer) traversal(i int) (root string, start, end int, ok bool) {
	toks := c.o.toks
	is := func(j int, tt hclsyntax.TokenType) bool { return j >= 0 && toks[j].Type == tt }
	start, end = c.off, c.off
	if is(i, hclsyntax.TokenIdent) && c.off <= toks[i].Range.End.Byte && is(i-1, hclsyntax.TokenDot) {
		start, end = toks[i].Range.Start.Byte, toks[i].Range.End.Byte
		i--
	}
	if !is(i, hclsyntax.TokenDot) || !is(i-1, hclsyntax.TokenIdent) || is(i-2, hclsyntax.TokenDot) {
		return "", 0, 0, false
	}
	root = string(toks[i-1].Bytes)
	if root != "var" && root != "local" {
		return "", 0, 0, false
	}
	return root, start, end, true
}

// declared offers the variables or locals of the configuration.
func (c *completer) declared(root string, start, end int) {
	snap := c.snapshot()
	if snap == nil {
		return
	}
	if root == "var" {
		for _, v := range snap.cfg.Variables {
			c.add(completionItem{Label: v.Name, Kind: kindVariable, Detail: "variable",
				Documentation: &markupContent{"markdown", variableDoc(v)}, TextEdit: &textEdit{NewText: v.Name}}, start, end)
		}
		return
	}
	for _, l := range snap.cfg.Locals {
		c.add(completionItem{Label: l.Name, Kind: kindVariable, Detail: "local",
			Documentation: &markupContent{"markdown", localDoc(snap.cfg, l)}, TextEdit: &textEdit{NewText: l.Name}}, start, end)
	}
}

// references offers var.NAME and local.NAME where an expression starts.
func (c *completer) references(start, end int) {
	snap := c.snapshot()
	if snap == nil {
		return
	}
	for _, v := range snap.cfg.Variables {
		c.add(completionItem{Label: "var." + v.Name, Kind: kindVariable, Detail: "variable",
			Documentation: &markupContent{"markdown", variableDoc(v)}, TextEdit: &textEdit{NewText: "var." + v.Name}}, start, end)
	}
	for _, l := range snap.cfg.Locals {
		c.add(completionItem{Label: "local." + l.Name, Kind: kindVariable, Detail: "local",
			Documentation: &markupContent{"markdown", localDoc(snap.cfg, l)}, TextEdit: &textEdit{NewText: "local." + l.Name}}, start, end)
	}
}
