package lsp

import (
	"strings"
	"sync"

	"vsc/lang"
)

// entry is one attribute or nested block a block may hold.
type entry struct {
	Name       string
	Block      bool
	Label      string // the name of a block's label, "" without one
	Repeatable bool
	Required   bool
	Enum       []string
	Size       bool
}

// body is what a block may hold, in schema order.
type body []entry

func (b body) get(name string) *entry {
	for i := range b {
		if b[i].Name == name {
			return &b[i]
		}
	}
	return nil
}

// The blocks lang reads itself rather than through SchemaOf: the top of a
// file, variables and their validations. (locals hold names of the user's
// choice, so they have no schema.)
var (
	topBody = body{
		{Name: "variable", Block: true, Label: "name", Repeatable: true},
		{Name: "locals", Block: true, Repeatable: true},
		{Name: "host", Block: true, Label: "name", Repeatable: true},
		{Name: "defaults", Block: true},
		{Name: "guest", Block: true, Label: "name", Repeatable: true},
	}
	variableBody = body{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "validation", Block: true, Repeatable: true},
	}
	validationBody = body{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	}
)

var bodyCache sync.Map // path joined by "/" → body

// bodyAt returns what a block at path (block types from the top of the
// file) may hold; ok is false where the schema is open or unknown.
func bodyAt(path []string) (body, bool) {
	key := strings.Join(path, "/")
	if b, ok := bodyCache.Load(key); ok {
		return b.(body), b.(body) != nil
	}
	b := computeBody(path)
	bodyCache.Store(key, b)
	return b, b != nil
}

func computeBody(path []string) body {
	if len(path) == 0 {
		return topBody
	}
	var bs *lang.BlockSchema
	switch path[0] {
	case "variable":
		switch {
		case len(path) == 1:
			return variableBody
		case len(path) == 2 && path[1] == "validation":
			return validationBody
		}
		return nil
	case "host":
		bs = lang.SchemaOf(lang.Host{})
	case "guest", "defaults":
		bs = lang.SchemaOf(lang.Guest{})
	default:
		return nil
	}
	for _, t := range path[1:] {
		f := bs.Field(t)
		if f == nil || !f.IsBlock() {
			return nil
		}
		bs = f.Block
	}
	var out body
	if len(path) == 1 && path[0] == "guest" {
		out = append(out, entry{Name: "for_each"})
	}
	for _, f := range bs.Fields {
		if len(path) == 1 && path[0] == "defaults" && f.Name == "context" {
			continue // every guest needs its own
		}
		e := entry{Name: f.Name, Block: f.IsBlock(), Repeatable: f.Repeatable(), Enum: f.Enum, Size: f.Size}
		// A defaults block needs none of its own attributes.
		e.Required = f.Required && !(len(path) == 1 && path[0] == "defaults")
		if f.Block != nil {
			e.Label = f.Block.Label
		}
		out = append(out, e)
	}
	return out
}
