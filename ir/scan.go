package ir

import (
	"encoding/json"
	"unicode/utf8"
)

// A plan of thousands of ops is read at every vsc apply (it is also the
// executor's record), and encoding/json's token API spends most of that
// time allocating. Once json.Valid has vouched for the syntax, these
// scanners cut objects and arrays into raw values with no allocation
// but the result; anything they do not expect sends the caller back to
// the careful path, whose errors say exactly what is wrong.

// scanObject cuts a valid JSON object into its keys and raw values; ok is
// false when data is not a valid object, or on a duplicated key (whose
// error the careful path gives). valid says data is known to be valid
// JSON already.
func scanObject(data []byte, valid bool) (object, bool) {
	if !valid && !json.Valid(data) {
		return object{}, false
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return object{}, false
	}
	o := object{vals: map[string]json.RawMessage{}}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return o, true
	}
	for i < len(data) {
		end := scanValue(data, i)
		key, ok := plainString(data[i:end])
		if !ok {
			return object{}, false
		}
		if _, dup := o.vals[key]; dup {
			return object{}, false
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return object{}, false
		}
		i = skipSpace(data, i+1)
		end = scanValue(data, i)
		o.keys = append(o.keys, key)
		o.vals[key] = data[i:end:end]
		i = skipSpace(data, end)
		if i >= len(data) {
			return object{}, false
		}
		if data[i] == '}' {
			return o, true
		}
		i = skipSpace(data, i+1) // the comma
	}
	return object{}, false
}

// scanArray cuts a valid JSON array into its raw elements.
func scanArray(data []byte, valid bool) ([]json.RawMessage, bool) {
	if !valid && !json.Valid(data) || len(data) == 0 || data[0] != '[' {
		return nil, false
	}
	out := []json.RawMessage{}
	i := skipSpace(data, 1)
	if i < len(data) && data[i] == ']' {
		return out, true
	}
	for i < len(data) {
		end := scanValue(data, i)
		out = append(out, data[i:end:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, false
		}
		if data[i] == ']' {
			return out, true
		}
		i = skipSpace(data, i+1)
	}
	return nil, false
}

// scanValue returns the end of the valid JSON value starting at i.
func scanValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return scanString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = scanString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// scanString returns the end of the string whose quote is at i.
func scanString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// plainString returns the text of a JSON string without escapes, in
// valid UTF-8: what a plan's names, addresses and paths are. ok is false
// otherwise, for encoding/json to decode.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}
