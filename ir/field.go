package ir

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// field describes one field of a body struct, read once from its `ir`
// tag. The text and JSON encoders and the decoder all walk these, so a
// kind is encoded by declaring its struct, never by writing code.
//
// The tag is `ir:"NAME[,OPTION…]"` with the options
//
//	omitempty  the zero value (0, "", false, empty list) is left out
//	unlimited  (uint64 only) math.MaxUint64 is written "unlimited"
type field struct {
	name      string
	index     int
	typ       fieldType
	omitempty bool
	unlimited bool
}

// fieldType is the closed set of Go types a body field may have; keeping
// it small keeps the encodings simple and the decoder strict.
type fieldType int

const (
	typeString fieldType = iota
	typeBool
	typeInt     // int, int64: signed decimal
	typeUint    // uint32, uint64: unsigned decimal
	typeStrings // []string
)

// unlimitedWord is how math.MaxUint64 is written in an `unlimited` field
// (RLIM_INFINITY), in text and JSON alike.
const unlimitedWord = "unlimited"

// bodyFields reads the field table of a body struct type. It panics on a
// malformed tag or an unsupported type: that is a bug in this package,
// caught at init by every test.
func bodyFields(t reflect.Type) []field {
	var fields []field
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("ir")
		if !ok || !sf.IsExported() {
			panic(fmt.Sprintf("ir: %s.%s: every body field must be exported and tagged `ir:\"name\"`", t.Name(), sf.Name))
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || seen[name] || slices.Contains(opHeaderKeys, name) {
			panic(fmt.Sprintf("ir: %s.%s: empty, duplicated or reserved field name %q", t.Name(), sf.Name, name))
		}
		seen[name] = true
		f := field{name: name, index: i}
		switch sf.Type {
		case reflect.TypeFor[string]():
			f.typ = typeString
		case reflect.TypeFor[bool]():
			f.typ = typeBool
		case reflect.TypeFor[int](), reflect.TypeFor[int64]():
			f.typ = typeInt
		case reflect.TypeFor[uint32](), reflect.TypeFor[uint64]():
			f.typ = typeUint
		case reflect.TypeFor[[]string]():
			f.typ = typeStrings
		default:
			panic(fmt.Sprintf("ir: %s.%s: unsupported field type %s", t.Name(), sf.Name, sf.Type))
		}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "":
			case "omitempty":
				f.omitempty = true
			case "unlimited":
				if sf.Type != reflect.TypeFor[uint64]() {
					panic(fmt.Sprintf("ir: %s.%s: option unlimited needs uint64", t.Name(), sf.Name))
				}
				f.unlimited = true
			default:
				panic(fmt.Sprintf("ir: %s.%s: unknown tag option %q", t.Name(), sf.Name, opt))
			}
		}
		fields = append(fields, f)
	}
	return fields
}

// uintText writes an unsigned value of the field in decimal, or as
// unlimitedWord.
func (f field) uintText(u uint64) string {
	if f.unlimited && u == math.MaxUint64 {
		return unlimitedWord
	}
	return strconv.FormatUint(u, 10)
}

// omitted reports whether the field's value v is left out of encodings.
func (f field) omitted(v reflect.Value) bool {
	if !f.omitempty {
		return false
	}
	if f.typ == typeStrings {
		return v.Len() == 0 // an empty non-nil list is empty too
	}
	return v.IsZero()
}

// bodyValue returns the struct value behind b, or false when b is nil
// or a nil pointer, which no encoder can write.
func bodyValue(b Body) (reflect.Value, bool) {
	if b == nil {
		return reflect.Value{}, false
	}
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, false
	}
	return v.Elem(), true
}

// stringField returns the value of b's string field name, if it has one.
func stringField(b Body, name string) (string, bool) {
	v, ok := bodyValue(b)
	if !ok {
		return "", false
	}
	for _, f := range lookup(b.Kind()).fields {
		if f.name == name && f.typ == typeString {
			return v.Field(f.index).String(), true
		}
	}
	return "", false
}
