package ir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// Decode parses a plan from its JSON form (see Plan.MarshalJSON),
// strictly: an unknown kind or key, a value of the wrong type or out of
// range, a duplicated key, a missing key that the encoder always writes
// (id, kind, owner, origin, after and every field without omitempty) or
// trailing data is an error naming the op index and the key. A missing
// omitempty field is its zero value.
//
// Decode only parses; Verify judges what the values mean. It never
// panics, whatever the input.
func Decode(data []byte) (*Plan, error) {
	// One validation of the whole plan vouches for every value in it.
	valid := json.Valid(data)
	top, err := parseObject(data, valid)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	p := &Plan{}
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"observed_digest", &p.ObservedDigest},
		{"plan_digest", &p.PlanDigest},
	} {
		raw, ok := top.vals[s.key]
		if !ok {
			continue
		}
		// An optional key of a plan: take it out before the check that
		// the others are exactly there.
		if *s.dst, err = parseString(raw); err != nil {
			return nil, fmt.Errorf("plan: %s: %w", s.key, err)
		}
		delete(top.vals, s.key)
		top.keys = slices.DeleteFunc(top.keys, func(k string) bool { return k == s.key })
	}
	if err := top.only([]string{"format_version", "host", "source", "source_digest", "ops"}, nil); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"format_version", &p.FormatVersion},
		{"host", &p.Host},
		{"source", &p.Source},
		{"source_digest", &p.SourceDigest},
	} {
		if *s.dst, err = parseString(top.vals[s.key]); err != nil {
			return nil, fmt.Errorf("plan: %s: %w", s.key, err)
		}
	}
	// Fail early on another version: its fields may mean other things.
	if err := checkFormatVersion(p.FormatVersion); err != nil {
		return nil, fmt.Errorf("plan: format_version: %w", err)
	}
	ops, err := parseArray(top.vals["ops"], valid)
	if err != nil {
		return nil, fmt.Errorf("plan: ops: %w", err)
	}
	owners := map[string]string{}
	for i, raw := range ops {
		op, err := decodeOp(i, raw, valid, owners)
		if err != nil {
			return nil, err
		}
		p.Ops = append(p.Ops, op)
	}
	return p, nil
}

// decodeOp parses one op; valid says its syntax is known to be valid.
// owners, when not nil, holds the owners read so far, so that the ops of
// one owner share its string.
func decodeOp(pos int, raw json.RawMessage, valid bool, owners map[string]string) (*Op, error) {
	o, err := parseObject(raw, valid)
	if err != nil {
		return nil, fmt.Errorf("op %d: %w", pos, err)
	}
	rawKind := o.vals["kind"]
	e := lookupRaw(rawKind)
	if e == nil {
		kind, err := parseString(rawKind)
		if err != nil {
			return nil, fmt.Errorf("op %d: kind: %w", pos, err)
		}
		if e = lookup(Kind(kind)); e == nil {
			return nil, fmt.Errorf("op %d: kind: unknown kind %q", pos, kind)
		}
	}
	// The errors name the op as opName does; made only on an error.
	fail := func(key string, err error) error {
		if key != "" {
			err = fmt.Errorf("%s: %w", key, err)
		}
		return fmt.Errorf("op %d (%s): %w", pos, e.Kind, err)
	}
	if err := o.only(opHeaderKeys, e.fields); err != nil {
		return nil, fail("", err)
	}

	op := &Op{Body: e.New()}
	id, err := parseInt(o.vals["id"], intType)
	if err != nil {
		return nil, fail("id", err)
	}
	op.ID = int(id)
	if op.Owner, err = parseOwner(o.vals["owner"], owners); err != nil {
		return nil, fail("owner", err)
	}
	if op.Origin, err = parseString(o.vals["origin"]); err != nil {
		return nil, fail("origin", err)
	}
	if after, ok := scanInts(o.vals["after"], valid); ok {
		op.After = after
	} else {
		after, err := parseArray(o.vals["after"], valid)
		if err != nil {
			return nil, fail("after", err)
		}
		for _, a := range after {
			n, err := parseInt(a, intType)
			if err != nil {
				return nil, fail("after", err)
			}
			op.After = append(op.After, int(n))
		}
	}

	v := reflect.ValueOf(op.Body).Elem()
	for _, f := range e.fields {
		raw, ok := o.vals[f.name]
		if !ok {
			continue // only omitempty ones, after o.only
		}
		if err := decodeField(f, v.Field(f.index), raw, valid); err != nil {
			return nil, fail(f.name, err)
		}
	}
	return op, nil
}

// lookupRaw returns the registry row of a kind written as a plain JSON
// string, or nil, without making a string of it.
func lookupRaw(raw json.RawMessage) *kindEntry {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil
	}
	return index().byName[string(raw[1:len(raw)-1])]
}

// parseOwner parses an owner string, taking it from owners (and adding
// it there) when owners is not nil: a plan has few owners, and thousands
// of ops.
func parseOwner(raw json.RawMessage, owners map[string]string) (string, error) {
	if owners != nil && len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		if s, ok := owners[string(raw[1:len(raw)-1])]; ok {
			return s, nil
		}
	}
	s, err := parseString(raw)
	if err == nil && owners != nil && len(owners) < maxOwners {
		owners[string(raw[1:len(raw)-1])] = s
	}
	return s, err
}

// maxOwners bounds the owners a decoder keeps: a hand-made plan may give
// each op an owner of its own.
const maxOwners = 1024

func decodeField(f field, v reflect.Value, raw json.RawMessage, valid bool) error {
	switch f.typ {
	case typeString:
		s, err := parseString(raw)
		v.SetString(s)
		return err
	case typeBool:
		switch string(raw) {
		case "true", "false":
			v.SetBool(string(raw) == "true")
			return nil
		}
		return want("a boolean", raw)
	case typeInt:
		n, err := parseInt(raw, v.Type())
		v.SetInt(n)
		return err
	case typeUint:
		if f.unlimited && len(raw) > 0 && raw[0] == '"' {
			if s, err := parseString(raw); err != nil || s != unlimitedWord {
				return fmt.Errorf("want a non-negative integer or %q", unlimitedWord)
			}
			v.SetUint(math.MaxUint64)
			return nil
		}
		n, err := parseUint(raw, v.Type())
		v.SetUint(n)
		return err
	case typeStrings:
		elems, err := parseArray(raw, valid)
		if err != nil {
			return err
		}
		var l []string
		for _, e := range elems {
			s, err := parseString(e)
			if err != nil {
				return err
			}
			l = append(l, s)
		}
		v.Set(reflect.ValueOf(l))
		return nil
	}
	return fmt.Errorf("ir: field type %d not decoded", f.typ) // a bug here
}

// object is a parsed JSON object: its keys in input order and their raw
// values, which are parsed once their meaning is known.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// parseObject parses data as exactly one JSON object, refusing
// duplicated keys (encoding/json would silently keep the last one, so a
// hand-edited plan could say two things at once).
func parseObject(data []byte, valid bool) (object, error) {
	if o, ok := scanObject(data, valid); ok {
		return o, nil
	}
	return parseObjectCarefully(data)
}

// parseObjectCarefully is parseObject through encoding/json's tokens:
// slower, and exact in its errors.
func parseObjectCarefully(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return object{}, syntaxError(err)
	}
	if tok != json.Delim('{') {
		return object{}, want("an object", bytes.TrimLeft(data, " \t\r\n"))
	}
	o := object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return object{}, syntaxError(err)
		}
		key, ok := tok.(string)
		if !ok {
			return object{}, errors.New("invalid JSON: object key is not a string")
		}
		if _, dup := o.vals[key]; dup {
			return object{}, fmt.Errorf("key %q appears twice", key)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return object{}, fmt.Errorf("%s: %w", key, syntaxError(err))
		}
		o.keys = append(o.keys, key)
		o.vals[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return object{}, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return object{}, errors.New("invalid JSON: data after the object")
	}
	return o, nil
}

// only checks that the object has exactly the keys of header and fields,
// less the omitempty fields it may leave out.
func (o object) only(header []string, fields []field) error {
	for _, k := range o.keys {
		if !slices.Contains(header, k) && !slices.ContainsFunc(fields, func(f field) bool { return f.name == k }) {
			return fmt.Errorf("%s: unknown key", k)
		}
	}
	for _, k := range header {
		if _, ok := o.vals[k]; !ok {
			return fmt.Errorf("%s: missing", k)
		}
	}
	for _, f := range fields {
		if _, ok := o.vals[f.name]; !ok && !f.omitempty {
			return fmt.Errorf("%s: missing", f.name)
		}
	}
	return nil
}

func syntaxError(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func parseString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", want("a string", raw)
	}
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", syntaxError(err)
	}
	return s, nil
}

func parseArray(raw json.RawMessage, valid bool) ([]json.RawMessage, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, want("an array", raw)
	}
	if elems, ok := scanArray(raw, valid); ok {
		return elems, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, syntaxError(err)
	}
	return elems, nil
}

var intType = reflect.TypeFor[int]()

// parseInt parses an integer literal that fits the signed integer type
// t. 1e3 and 1.0 are refused: ids and limits are integers, and an
// exponent would hide a typo.
func parseInt(raw json.RawMessage, t reflect.Type) (int64, error) {
	if n, ok := plainInt(raw); ok && (t.Bits() == 64 || n >= -1<<(t.Bits()-1) && n < 1<<(t.Bits()-1)) {
		return n, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, t.Bits())
	if err != nil {
		return 0, wantNumber("an integer", raw, t)
	}
	return n, nil
}

func parseUint(raw json.RawMessage, t reflect.Type) (uint64, error) {
	if n, ok := plainInt(raw); ok && raw[0] != '-' && (t.Bits() == 64 || n < 1<<t.Bits()) {
		return uint64(n), nil
	}
	n, err := strconv.ParseUint(string(raw), 10, t.Bits())
	if err != nil {
		return 0, wantNumber("a non-negative integer", raw, t)
	}
	return n, nil
}

func wantNumber(what string, raw json.RawMessage, t reflect.Type) error {
	if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return fmt.Errorf("want %s that fits %s, got %.40s", what, t, raw)
	}
	return want(what, raw)
}

// want describes a value of the wrong JSON type, without echoing it
// (it may be huge).
func want(what string, raw []byte) error {
	got := "nothing"
	if len(raw) > 0 {
		switch raw[0] {
		case '{':
			got = "an object"
		case '[':
			got = "an array"
		case '"':
			got = "a string"
		case 't', 'f':
			got = "a boolean"
		case 'n':
			got = "null"
		default:
			got = "a number"
		}
	}
	return fmt.Errorf("want %s, got %s", what, got)
}

// DecodeOp parses one op in its JSON form (as Op.MarshalJSON writes it),
// as strictly as Decode parses a plan's ops.
func DecodeOp(data []byte) (*Op, error) {
	return decodeOp(0, data, json.Valid(data), nil)
}
