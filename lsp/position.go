package lsp

import (
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// encoding is how a Position's character counts: the client and the server
// agree on one at initialize (general.positionEncodings). HCL ranges carry
// byte offsets, which are converted with the text of the file.
type encoding int

const (
	encUTF16 encoding = iota // the protocol's default: UTF-16 code units
	encUTF8                  // bytes
	encUTF32                 // Unicode code points
)

func (e encoding) String() string {
	if e == encUTF8 {
		return "utf-8"
	}
	return "utf-16"
}

// negotiate picks the encoding among those the client offers: UTF-8 when
// offered (no conversion at all), else UTF-16, which every client supports.
func negotiate(offered []string) encoding {
	for _, o := range offered {
		if o == "utf-8" {
			return encUTF8
		}
	}
	return encUTF16
}

// text is a document's content with the offsets its lines start at.
type text struct {
	src   []byte
	lines []int
}

func newText(src []byte) *text {
	lines := make([]int, 1, 64+len(src)/32)
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &text{src: src, lines: lines}
}

// position converts a byte offset to a Position in encoding enc. An offset
// inside a multi-byte character counts the character as passed.
func (t *text) position(off int, enc encoding) Position {
	off = max(0, min(off, len(t.src)))
	if enc != encUTF8 {
		for off < len(t.src) && !utf8.RuneStart(t.src[off]) {
			off++
		}
	}
	line := sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off }) - 1
	return Position{Line: line, Character: units(t.src[t.lines[line]:off], enc)}
}

// offset converts a Position to a byte offset. A character past the end
// of its line means the end of the line, a line past the end the end of
// the document, as the protocol asks.
func (t *text) offset(p Position, enc encoding) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(t.lines) {
		return len(t.src)
	}
	start := t.lines[p.Line]
	end := len(t.src)
	if p.Line+1 < len(t.lines) {
		end = t.lines[p.Line+1] - 1 // the '\n'
	}
	line := t.src[start:end]
	n := 0
	for i := 0; i < len(line); {
		if n >= p.Character {
			return start + i
		}
		r, size := utf8.DecodeRune(line[i:])
		n += runeUnits(r, size, enc)
		i += size
	}
	return end
}

// rangeOf converts an hcl range of this text.
func (t *text) rangeOf(r hcl.Range, enc encoding) Range {
	return Range{t.position(r.Start.Byte, enc), t.position(r.End.Byte, enc)}
}

// spanOf converts a byte span of this text.
func (t *text) spanOf(start, end int, enc encoding) Range {
	return Range{t.position(start, enc), t.position(end, enc)}
}

// units counts b in encoding enc.
func units(b []byte, enc encoding) int {
	if enc == encUTF8 {
		return len(b)
	}
	n := 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		n += runeUnits(r, size, enc)
		i += size
	}
	return n
}

func runeUnits(r rune, size int, enc encoding) int {
	switch {
	case enc == encUTF8:
		return size
	case r >= 0x10000:
		return 2 // a surrogate pair
	}
	return 1 // invalid bytes count one each, as a replacement character
}
