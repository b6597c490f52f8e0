package ir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// The JSON form is written by hand, in a fixed key order (plan header,
// then per op id, kind, owner, origin, after, then the body's fields in
// struct order), so that a saved plan reads like its text form and diffs
// as cleanly. encoding/json is used for strings and for indentation only.

// opHeaderKeys are the keys every op object has before its body's
// fields, in their order; no body field may take one of these names.
var opHeaderKeys = []string{"id", "kind", "owner", "origin", "after"}

// MarshalJSON returns the plan as a JSON object indented with two spaces.
// It writes the indentation itself, as json.Indent would: indenting a
// plan of thousands of ops afterwards took as long as writing it.
func (p *Plan) MarshalJSON() ([]byte, error) {
	size := 512 + 320*len(p.Ops)
	for _, op := range p.Ops {
		if op != nil {
			size += 16 * len(op.After) // a line of its own each
		}
	}
	var b bytes.Buffer
	b.Grow(size)
	o := jsonObject{b: &b, nl: "\n  "}
	o.key("format_version")
	writeJSONString(&b, p.FormatVersion)
	o.key("host")
	writeJSONString(&b, p.Host)
	o.key("source")
	writeJSONString(&b, p.Source)
	o.key("source_digest")
	writeJSONString(&b, p.SourceDigest)
	if p.ObservedDigest != "" {
		o.key("observed_digest")
		writeJSONString(&b, p.ObservedDigest)
	}
	if p.PlanDigest != "" {
		o.key("plan_digest")
		writeJSONString(&b, p.PlanDigest)
	}
	o.key("ops")
	b.WriteByte('[')
	for i, op := range p.Ops {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		if op == nil {
			return nil, fmt.Errorf("op %d: the op is missing (nil)", i)
		}
		if err := op.writeJSON(&b, 6); err != nil {
			return nil, fmt.Errorf("%s: %w", opName(i, op), err)
		}
	}
	if len(p.Ops) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteByte(']')
	o.end()
	return b.Bytes(), nil
}

// WriteJSON writes the plan's MarshalJSON form and a final newline, as
// it is saved to a plan file.
func (p *Plan) WriteJSON(w io.Writer) error {
	data, err := p.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// UnmarshalJSON decodes a plan strictly, as Decode does.
func (p *Plan) UnmarshalJSON(data []byte) error {
	q, err := Decode(data)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// MarshalJSON returns the op as a compact JSON object, with its keys in
// the plan's order.
func (op *Op) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := op.writeJSON(&b, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeJSON writes the op as an object whose keys are indented by
// indent spaces on lines of their own, or compact when indent is 0.
func (op *Op) writeJSON(b *bytes.Buffer, indent int) error {
	v, ok := bodyValue(op.Body)
	if !ok {
		return errNoBody
	}
	o := jsonObject{b: b}
	elem := "" // what starts an element of a list
	if indent > 0 {
		o.nl, elem = newlines[:1+indent], newlines[:1+indent+2]
	}
	var num [24]byte // integers are written without allocating
	o.key("id")
	b.Write(strconv.AppendInt(num[:0], int64(op.ID), 10))
	o.key("kind")
	writeJSONString(b, string(op.Body.Kind()))
	o.key("owner")
	writeJSONString(b, op.Owner)
	o.key("origin")
	writeJSONString(b, op.Origin)
	o.key("after")
	b.WriteByte('[') // always present, [] when empty
	for k, a := range op.After {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(elem)
		b.Write(strconv.AppendInt(num[:0], int64(a), 10))
	}
	o.endList(len(op.After))
	for _, f := range lookup(op.Body.Kind()).fields {
		fv := v.Field(f.index)
		if f.omitted(fv) {
			continue
		}
		o.key(f.name)
		switch f.typ {
		case typeString:
			writeJSONString(b, fv.String())
		case typeBool:
			b.Write(strconv.AppendBool(num[:0], fv.Bool()))
		case typeInt:
			b.Write(strconv.AppendInt(num[:0], fv.Int(), 10))
		case typeUint:
			if u := fv.Uint(); f.unlimited && u == math.MaxUint64 {
				writeJSONString(b, unlimitedWord)
			} else {
				b.Write(strconv.AppendUint(num[:0], u, 10))
			}
		case typeStrings:
			b.WriteByte('[')
			for k := range fv.Len() {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(elem)
				writeJSONString(b, fv.Index(k).String())
			}
			o.endList(fv.Len())
		}
	}
	o.end()
	return nil
}

// newlines starts the lines of an indented plan: a newline and enough
// spaces for the deepest line, an element of a list of an op.
const newlines = "\n" + "          "

// jsonObject writes the punctuation of an object whose keys are written
// in a fixed order, each on a line that starts with nl (a newline and
// the key's indentation), or compact when nl is "". It indents as
// json.Indent does: a key is followed by ": ", and the closing brace or
// bracket of a non-empty object or list is on a line of its own.
type jsonObject struct {
	b  *bytes.Buffer
	nl string
	n  int
}

func (o *jsonObject) key(k string) {
	if o.n == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	o.n++
	o.b.WriteString(o.nl)
	writeJSONString(o.b, k)
	o.b.WriteByte(':')
	if o.nl != "" {
		o.b.WriteByte(' ')
	}
}

func (o *jsonObject) end() {
	if o.n == 0 {
		o.b.WriteByte('{')
	} else if o.nl != "" {
		o.b.WriteString(o.nl[:len(o.nl)-2])
	}
	o.b.WriteByte('}')
}

// endList closes a list of n elements, the value of the object's last
// key.
func (o *jsonObject) endList(n int) {
	if n > 0 {
		o.b.WriteString(o.nl)
	}
	o.b.WriteByte(']')
}

// writeJSONString writes s as a JSON string. HTML escaping is off, so a
// hook's `a > b` stays readable in a saved plan. Invalid UTF-8 is
// replaced by U+FFFD, as encoding/json does; Verify rejects it first.
func writeJSONString(b *bytes.Buffer, s string) {
	if plainJSON(s) {
		// The common case, names and addresses: no escaping needed, and
		// no encoder to make (plans reach thousands of ops).
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // cannot fail for a string
	b.Truncate(b.Len() - 1) // Encode's newline
}

// plainJSON tells a string that JSON writes as it is between quotes:
// printable ASCII without a quote or backslash.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
