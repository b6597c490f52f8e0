package ir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
func (p *Plan) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	o := jsonObject{b: &b}
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
	o.key("ops")
	b.WriteByte('[')
	for i, op := range p.Ops {
		if i > 0 {
			b.WriteByte(',')
		}
		if op == nil {
			return nil, fmt.Errorf("op %d: the op is missing (nil)", i)
		}
		if err := op.writeJSON(&b); err != nil {
			return nil, fmt.Errorf("%s: %w", opName(i, op), err)
		}
	}
	b.WriteByte(']')
	o.end()

	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("ir: encoder wrote invalid JSON: %w", err) // a bug here
	}
	return out.Bytes(), nil
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
	if err := op.writeJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (op *Op) writeJSON(b *bytes.Buffer) error {
	v, ok := bodyValue(op.Body)
	if !ok {
		return errNoBody
	}
	o := jsonObject{b: b}
	o.key("id")
	b.WriteString(strconv.Itoa(op.ID))
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
		b.WriteString(strconv.Itoa(a))
	}
	b.WriteByte(']')
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
			b.WriteString(strconv.FormatBool(fv.Bool()))
		case typeInt:
			b.WriteString(strconv.FormatInt(fv.Int(), 10))
		case typeUint:
			if s := f.uintText(fv.Uint()); s == unlimitedWord {
				writeJSONString(b, s)
			} else {
				b.WriteString(s)
			}
		case typeStrings:
			b.WriteByte('[')
			for k, s := range fv.Interface().([]string) {
				if k > 0 {
					b.WriteByte(',')
				}
				writeJSONString(b, s)
			}
			b.WriteByte(']')
		}
	}
	o.end()
	return nil
}

// jsonObject writes the punctuation of an object whose keys are written
// in a fixed order.
type jsonObject struct {
	b *bytes.Buffer
	n int
}

func (o *jsonObject) key(k string) {
	if o.n == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	o.n++
	writeJSONString(o.b, k)
	o.b.WriteByte(':')
}

func (o *jsonObject) end() {
	if o.n == 0 {
		o.b.WriteByte('{')
	}
	o.b.WriteByte('}')
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
