package lang

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// The schema of every block is read from the `vsc:"…"` tags of the structs
// in config.go, so that one declaration gives the decoder, the schema
// diagnostics and (later) editor completion.
//
// Tag forms:
//
//	vsc:",label"                 the block's label
//	vsc:"name"                   an optional attribute
//	vsc:"name,required"          a required attribute
//	vsc:"name,enum=a|b|c"        a string attribute with fixed values
//	vsc:"name,size"              a size, plain numbers are bytes
//	vsc:"name,size=KiB"          a size, plain numbers are KiB
//	vsc:"name,nonempty"          a string, or list of strings, with no empty string
//	vsc:"name,block"             a nested block (pointer: at most one; slice: any)
//
// A field named DeclRange of type hcl.Range receives the block's header range.

type fieldKind int

const (
	kindString fieldKind = iota
	kindInt
	kindBool
	kindSize
	kindStrings
	kindLimit
	kindBlock  // *T: at most one
	kindBlocks // []*T
)

// Field describes one attribute or nested block of a block type.
type Field struct {
	Name     string
	Required bool
	NonEmpty bool
	Enum     []string
	// Size marks a value in bytes that accepts unit strings ("200MiB");
	// Unit is what a plain number means then (1 for bytes, 1024 for KiB).
	Size  bool
	Unit  int64
	Block *BlockSchema // for nested blocks

	kind  fieldKind
	index int
}

// IsBlock tells a nested block from an attribute.
func (f *Field) IsBlock() bool { return f.kind == kindBlock || f.kind == kindBlocks }

// Repeatable tells whether a nested block may appear more than once.
func (f *Field) Repeatable() bool { return f.kind == kindBlocks }

// BlockSchema describes one block type.
type BlockSchema struct {
	// Label is the name of the block's label, "" when it has none.
	Label  string
	Fields []*Field

	typ        reflect.Type
	labelIndex int // -1 without label
	declIndex  int // -1 without DeclRange
	hcl        *hcl.BodySchema
	byName     map[string]*Field
}

// Field returns the attribute or block named name, nil if there is none.
func (s *BlockSchema) Field(name string) *Field { return s.byName[name] }

var (
	typeVals    = reflect.TypeOf(Val[string]{})
	typeInt     = reflect.TypeOf(Val[int64]{})
	typeBool    = reflect.TypeOf(Val[bool]{})
	typeSize    = reflect.TypeOf(Val[Size]{})
	typeStrings = reflect.TypeOf(Strings{})
	typeLimit   = reflect.TypeOf(Val[Limit]{})
	typeRange   = reflect.TypeOf(hcl.Range{})
)

var schemaCache sync.Map // reflect.Type → *BlockSchema

// SchemaOf returns the schema of a config struct type such as Guest.
func SchemaOf(v any) *BlockSchema {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return schemaFor(t)
}

func schemaFor(t reflect.Type) *BlockSchema {
	if s, ok := schemaCache.Load(t); ok {
		return s.(*BlockSchema)
	}
	s := &BlockSchema{typ: t, labelIndex: -1, declIndex: -1, hcl: &hcl.BodySchema{}, byName: map[string]*Field{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "DeclRange" && sf.Type == typeRange {
			s.declIndex = i
			continue
		}
		tag, ok := sf.Tag.Lookup("vsc")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		if parts[0] == "" && len(parts) == 2 && parts[1] == "label" {
			s.labelIndex = i
			s.Label = strings.ToLower(sf.Name)
			continue
		}
		f := &Field{Name: parts[0], index: i, Unit: 1}
		for _, p := range parts[1:] {
			switch {
			case p == "required":
				f.Required = true
			case p == "nonempty":
				f.NonEmpty = true
			case p == "block":
				switch sf.Type.Kind() {
				case reflect.Pointer:
					f.kind = kindBlock
					f.Block = schemaFor(sf.Type.Elem())
				case reflect.Slice:
					f.kind = kindBlocks
					f.Block = schemaFor(sf.Type.Elem().Elem())
				}
			case strings.HasPrefix(p, "enum="):
				f.Enum = strings.Split(strings.TrimPrefix(p, "enum="), "|")
			case p == "size":
				f.Size = true
			case p == "size=KiB":
				f.Size, f.Unit = true, 1024
			default:
				panic(fmt.Sprintf("lang: bad vsc tag %q on %s.%s", tag, t.Name(), sf.Name))
			}
		}
		if !f.IsBlock() {
			switch sf.Type {
			case typeVals:
				f.kind = kindString
			case typeInt:
				f.kind = kindInt
			case typeBool:
				f.kind = kindBool
			case typeSize:
				f.kind = kindSize
			case typeStrings:
				f.kind = kindStrings
			case typeLimit:
				f.kind = kindLimit
			default:
				panic(fmt.Sprintf("lang: unsupported field type %s on %s.%s", sf.Type, t.Name(), sf.Name))
			}
			// Required-ness is checked by the decoder, not by hcl, so that a
			// missing attribute gets a code and a fix-it detail like every
			// other diagnostic.
			s.hcl.Attributes = append(s.hcl.Attributes, hcl.AttributeSchema{Name: f.Name})
		} else {
			hs := hcl.BlockHeaderSchema{Type: f.Name}
			if f.Block.Label != "" {
				hs.LabelNames = []string{f.Block.Label}
			}
			s.hcl.Blocks = append(s.hcl.Blocks, hs)
		}
		s.Fields = append(s.Fields, f)
		s.byName[f.Name] = f
	}
	actual, _ := schemaCache.LoadOrStore(t, s)
	return actual.(*BlockSchema)
}
