package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/compiler"
)

// hover shows, under the cursor: a reference's declaration and value; a
// block type's or attribute's documentation; what an enumerated value, a
// flag or a capability means.
func (s *server) hover(ctx context.Context, raw json.RawMessage) (any, error) {
	var p textDocumentPositionParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	d, enc := s.document(p.TextDocument.URI)
	if d == nil || d.isJSON() {
		return nil, nil
	}
	o, t := d.parsed()
	off := t.offset(p.Position, enc)
	show := func(doc string, r hcl.Range) (any, error) {
		if doc == "" {
			return nil, nil
		}
		rng := t.rangeOf(r, enc)
		return hover{Contents: markupContent{Kind: "markdown", Value: doc}, Range: &rng}, nil
	}

	if ref, ok := referenceAt(o, off); ok {
		if snap := s.fresh(ctx, d.path); snap != nil {
			var docs []string
			for _, tg := range resolve(snap, ref) {
				docs = append(docs, tg.doc)
			}
			if len(docs) > 0 {
				return show(strings.Join(docs, "\n\n---\n\n"), ref.rng)
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if b, _ := o.headerAt(off); b != nil {
		return show(blockHover(b.path()), b.TypeRange)
	}
	b := o.blockAt(off)
	a, onName := b.attrAt(off)
	switch {
	case a == nil:
		return nil, nil
	case onName:
		return show(attrHover(b.path(), a.Name), a.NameRange)
	}
	if v, r, ok := o.stringAt(a, off); ok {
		return show(valueHover(b.path(), a.Name, v), r)
	}
	return nil, nil
}

// blockHover documents the block type at path.
func blockHover(path []string) string {
	name := path[len(path)-1]
	parent, _ := bodyAt(path[:len(path)-1])
	if parent.get(name) == nil {
		return "" // not a block the language has: the schema check says so
	}
	var b strings.Builder
	doc := langDocs().blockDoc(path)
	if !strings.HasPrefix(doc, "**") {
		fmt.Fprintf(&b, "**%s**%s\n\n", name, within(path))
	}
	b.WriteString(doc)
	if body, ok := bodyAt(path); ok && len(body) > 0 {
		var attrs, blocks []string
		for _, e := range body {
			n := "`" + e.Name + "`"
			if e.Required {
				n += " (required)"
			}
			if e.Block {
				blocks = append(blocks, n)
			} else {
				attrs = append(attrs, n)
			}
		}
		b.WriteString("\n\n---\n")
		if len(attrs) > 0 {
			fmt.Fprintf(&b, "\nAttributes: %s.", strings.Join(attrs, ", "))
		}
		if len(blocks) > 0 {
			fmt.Fprintf(&b, "\n\nBlocks: %s.", strings.Join(blocks, ", "))
		}
	}
	return strings.TrimSpace(b.String())
}

// within says where a block or attribute at path is: " in `guest`".
func within(path []string) string {
	if len(path) < 2 {
		return ""
	}
	return " in `" + strings.Join(path[:len(path)-1], ".") + "`"
}

// attrHover documents attribute name of a block at path.
func attrHover(path []string, name string) string {
	body, ok := bodyAt(path)
	if !ok {
		return ""
	}
	e := body.get(name)
	if e == nil || e.Block {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**%s", name, within(append(slices.Clone(path), name)))
	if e.Required {
		b.WriteString(" — required")
	}
	if len(e.Enum) > 0 {
		fmt.Fprintf(&b, "\n\nOne of %s.", quoteList(e.Enum))
	}
	if doc := langDocs().attrDoc(path, name); doc != "" {
		b.WriteString("\n\n" + doc)
	}
	return b.String()
}

// valueHover documents a string value: a value of an enumeration, a flag,
// a capability.
func valueHover(path []string, name, value string) string {
	body, _ := bodyAt(path)
	e := body.get(name)
	key := strings.Join(path, "/") + "." + name
	switch {
	case e != nil && slices.Contains(e.Enum, value):
		if s, own := langDocs().section(path); s != nil && own && s.rows[value] != "" {
			return fmt.Sprintf("**%s = \"%s\"**\n\n%s", name, value, s.rows[value])
		}
	case key == "guest.flags" || key == "defaults.flags":
		if slices.Contains(contextFlags, strings.ToLower(value)) {
			return fmt.Sprintf("**%s** — a util-vserver context flag, written to `/etc/vservers/NAME/flags`.", strings.ToLower(value))
		}
	case strings.HasSuffix(key, "/capabilities.add") || strings.HasSuffix(key, "/capabilities.drop"):
		if canon, n, ok := compiler.Capability(value); ok {
			doc := fmt.Sprintf("**CAP_%s** — Linux capability number %d.", canon, n)
			if dangerous(canon) {
				doc += "\n\nAdding it lets a guest reach into the host (`capability-dangerous`)."
			}
			return doc
		}
	}
	return ""
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`\"" + v + "\"`"
	}
	return strings.Join(q, ", ")
}
