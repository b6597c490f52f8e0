package lsp

import (
	"bytes"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// An outline is the block structure of a native-syntax document read from
// its tokens alone, without HCL's parser: a file is mostly broken while it
// is typed (an unclosed brace, a half-written attribute), and the parser
// gives up on the rest of a body at its first error, where a token scan
// still knows which block and which attribute the cursor is in. The scan
// is iterative, so no nesting depth can exhaust the stack.
type outline struct {
	src  []byte
	toks hclsyntax.Tokens
	root *block // the file's body: no type, no labels
}

// block is a block of the document. Open and Close are the byte offsets
// of its braces; Close (and End) are len(src) when it is not closed.
type block struct {
	Type      string
	TypeRange hcl.Range
	Labels    []label
	Open      int
	Close     int // offset of '}'
	End       int // offset after '}'
	Parent    *block
	Blocks    []*block
	Attrs     []*attr
}

// label is a block label: its value, and its range quotes included.
type label struct {
	Value string
	Range hcl.Range
}

// attr is an attribute; its value spans Start (after '=') to End (the end
// of the statement).
type attr struct {
	Name       string
	NameRange  hcl.Range
	Start, End int
}

// path is the block types from the top of the file down to b.
func (b *block) path() []string {
	var p []string
	for ; b != nil && b.Parent != nil; b = b.Parent {
		p = append(p, b.Type)
	}
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// top is the top-level block b is in (b itself for a top-level block), nil
// for the file.
func (b *block) top() *block {
	if b == nil || b.Parent == nil {
		return nil
	}
	for b.Parent.Parent != nil {
		b = b.Parent
	}
	return b
}

// label0 is the first label's value, "" without labels.
func (b *block) label0() string {
	if len(b.Labels) == 0 {
		return ""
	}
	return b.Labels[0].Value
}

// attr returns the attribute named name, nil if the block has none.
func (b *block) attr(name string) *attr {
	for _, a := range b.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// maxRelex bounds how often the lexer is restarted after an unterminated
// string (see lex).
const maxRelex = 64

// lex returns the tokens of src. HCL's lexer reads an unterminated string
// to the end of the file, turning every line after it into string text;
// an editor buffer has one whenever a quote is being typed, so lexing
// starts again after the line that broke.
func lex(name string, src []byte) hclsyntax.Tokens {
	var out hclsyntax.Tokens
	pos := hcl.InitialPos
	// Each restart lexes the rest of the file again: a budget of a few
	// times the file's size bounds the cost of a file full of broken
	// strings.
	budget := 4*len(src) + 1<<16
	for relex := 0; ; relex++ {
		toks, _ := hclsyntax.LexConfig(src[pos.Byte:], name, pos)
		budget -= len(src) - pos.Byte
		cut := -1
		if relex < maxRelex && budget > 0 {
			for i, t := range toks {
				if t.Type == hclsyntax.TokenQuotedNewline {
					cut = i
					break
				}
			}
		}
		if cut < 0 {
			return append(out, toks...)
		}
		out = append(out, toks[:cut+1]...)
		pos = toks[cut].Range.End // the start of a line
		if pos.Byte >= len(src) {
			return append(out, hclsyntax.Token{Type: hclsyntax.TokenEOF, Range: hcl.Range{Filename: name, Start: pos, End: pos}})
		}
	}
}

type frameKind int

const (
	frameBody    frameKind = iota // a block's body (or the file's)
	frameBrace                    // an object { … }
	frameBrack                    // a tuple [ … ]
	frameParen                    // ( … )
	frameInterp                   // ${ … } or %{ … }
	frameQuote                    // " … "
	frameHeredoc                  // <<EOT … EOT
)

type headerItem struct {
	text  string
	rng   hcl.Range
	ident bool
}

type frame struct {
	kind frameKind
	// frameBody: the block, the statement read so far (a block header or
	// an attribute name), and the attribute whose value is being read.
	blk    *block
	header []headerItem
	attr   *attr
	// frameQuote: whether the string is a block label, where it starts,
	// and its literal text.
	label bool
	start hcl.Pos
	lit   strings.Builder
}

// tokenCache keeps the tokens of a document's chunks (see lexChunks)
// from one version to the next, so that an edit costs the lexing of the
// chunks it touched rather than of the whole document: HCL's lexer reads
// a 1,000-guest file in tens of milliseconds, which a completion request
// after every keystroke should not wait for.
type tokenCache struct {
	mu     sync.Mutex
	chunks map[string]hclsyntax.Tokens // chunk text → tokens from offset 0, line 1, without EOF
}

// chunkStarts returns the offsets where a line starts with a letter: where
// a top-level block or attribute starts in any formatted file. Lexing
// the chunks between them one by one gives the tokens of the whole file,
// as the lexer keeps no state from one line to the next outside strings,
// heredocs and comments (which complete detects).
func chunkStarts(src []byte) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' && i+1 < len(src) {
			if c := src[i+1] | 0x20; c >= 'a' && c <= 'z' {
				starts = append(starts, i+1)
			}
		}
	}
	return starts
}

// complete tells whether a chunk's tokens end outside any string, heredoc
// and block comment, so that the next chunk can be lexed on its own.
func complete(toks hclsyntax.Tokens) bool {
	quotes, heredocs := 0, 0
	for i, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOQuote:
			quotes++
		case hclsyntax.TokenCQuote, hclsyntax.TokenQuotedNewline:
			quotes--
		case hclsyntax.TokenOHeredoc:
			heredocs++
		case hclsyntax.TokenCHeredoc:
			heredocs--
		case hclsyntax.TokenSlash:
			// "/*" that the lexer could not end: a comment going on in
			// the next chunk.
			if i+1 < len(toks) && toks[i+1].Type == hclsyntax.TokenStar && toks[i+1].Range.Start.Byte == t.Range.End.Byte {
				return false
			}
		}
	}
	return quotes <= 0 && heredocs <= 0
}

// lexChunks lexes src chunk by chunk, reusing the tokens of the chunks
// that cache holds.
func lexChunks(name string, src []byte, cache *tokenCache) hclsyntax.Tokens {
	var old map[string]hclsyntax.Tokens
	if cache != nil {
		cache.mu.Lock()
		old = cache.chunks
		cache.mu.Unlock()
	}
	next := make(map[string]hclsyntax.Tokens, len(old))
	starts := chunkStarts(src)
	n := len(src) / 3 // about one token per 3.7 bytes in generated files
	if len(old) > 0 {
		n = 0
		for _, toks := range old {
			n += len(toks)
		}
		n += n / 8
	}
	out := make(hclsyntax.Tokens, 0, n)
	line := 1
	for i := 0; i < len(starts); {
		a, j := starts[i], i+1
		var key string
		var toks hclsyntax.Tokens
		for {
			b := len(src)
			if j < len(starts) {
				b = starts[j]
			}
			key = string(src[a:b])
			var ok bool
			if toks, ok = old[key]; !ok {
				toks = lex(name, []byte(key))
				toks = toks[:len(toks)-1] // its EOF
			}
			if j >= len(starts) || complete(toks) {
				break
			}
			j++
		}
		next[key] = toks
		for _, t := range toks {
			t.Range.Start.Byte += a
			t.Range.End.Byte += a
			t.Range.Start.Line += line - 1
			t.Range.End.Line += line - 1
			out = append(out, t)
		}
		line += strings.Count(key, "\n")
		i = j
	}
	end := hcl.Pos{Line: line, Column: 1 + utf8.RuneCount(src[bytes.LastIndexByte(src, '\n')+1:]), Byte: len(src)}
	out = append(out, hclsyntax.Token{Type: hclsyntax.TokenEOF, Range: hcl.Range{Filename: name, Start: end, End: end}})
	if cache != nil {
		cache.mu.Lock()
		cache.chunks = next
		cache.mu.Unlock()
	}
	return out
}

// parseOutline reads the outline of a native-syntax document.
func parseOutline(name string, src []byte) *outline {
	return parseOutlineCached(name, src, nil)
}

// parseOutlineCached is parseOutline with the tokens of unchanged chunks
// taken from cache.
func parseOutlineCached(name string, src []byte, cache *tokenCache) *outline {
	o := &outline{src: src, toks: lexChunks(name, src, cache)}
	o.root = &block{Open: -1, Close: len(src), End: len(src)}
	stack := []*frame{{kind: frameBody, blk: o.root}}
	endStmt := func(f *frame, off int) {
		if f.attr != nil {
			f.attr.End = off
			f.attr = nil
		}
		f.header = nil
	}
	push := func(f *frame) { stack = append(stack, f) }
	// closeTo pops up to and including the nearest frame the closing token
	// t matches; a token that matches no open frame is ignored.
	closeTo := func(t hclsyntax.Token, kinds ...frameKind) {
		j := -1
	find:
		for j = len(stack) - 1; j > 0; j-- {
			for _, k := range kinds {
				if stack[j].kind == k {
					break find
				}
			}
		}
		if j <= 0 {
			return
		}
		for k := len(stack) - 1; k >= j; k-- {
			f := stack[k]
			if f.kind == frameBody {
				endStmt(f, t.Range.Start.Byte)
				f.blk.Close, f.blk.End = t.Range.Start.Byte, t.Range.End.Byte
				if k != j {
					f.blk.End = f.blk.Close // an unclosed block ends where its parent does
				}
			}
		}
		stack = stack[:j]
		if top := stack[len(stack)-1]; top.kind == frameBody {
			top.header = nil
		}
	}
	for _, t := range o.toks {
	again:
		top := stack[len(stack)-1]
		switch top.kind {
		case frameBody:
			switch t.Type {
			case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
				endStmt(top, t.Range.Start.Byte)
			case hclsyntax.TokenComment:
				if bytes.HasSuffix(t.Bytes, []byte("\n")) {
					endStmt(top, t.Range.Start.Byte)
				}
			case hclsyntax.TokenOBrace:
				if top.attr == nil && len(top.header) > 0 && top.header[0].ident {
					b := &block{Type: top.header[0].text, TypeRange: top.header[0].rng,
						Open: t.Range.Start.Byte, Close: len(src), End: len(src), Parent: top.blk}
					for _, h := range top.header[1:] {
						b.Labels = append(b.Labels, label{h.text, h.rng})
					}
					top.blk.Blocks = append(top.blk.Blocks, b)
					top.header = nil
					push(&frame{kind: frameBody, blk: b})
				} else {
					push(&frame{kind: frameBrace})
				}
			case hclsyntax.TokenCBrace:
				closeTo(t, frameBody, frameBrace)
			case hclsyntax.TokenEqual:
				if top.attr == nil && len(top.header) == 1 && top.header[0].ident {
					a := &attr{Name: top.header[0].text, NameRange: top.header[0].rng, Start: t.Range.End.Byte, End: len(src)}
					top.blk.Attrs = append(top.blk.Attrs, a)
					top.attr = a
					top.header = nil
				}
			case hclsyntax.TokenIdent:
				if top.attr == nil {
					top.header = append(top.header, headerItem{string(t.Bytes), t.Range, true})
				}
			case hclsyntax.TokenOQuote:
				push(&frame{kind: frameQuote, label: top.attr == nil, start: t.Range.Start})
			default:
				openOrClose(t, push, closeTo)
			}
		case frameQuote:
			switch t.Type {
			case hclsyntax.TokenQuotedLit:
				top.lit.Write(t.Bytes)
			case hclsyntax.TokenCQuote:
				stack = stack[:len(stack)-1]
				if p := stack[len(stack)-1]; top.label && p.kind == frameBody && p.attr == nil {
					p.header = append(p.header, headerItem{top.lit.String(), hcl.Range{Filename: t.Range.Filename, Start: top.start, End: t.Range.End}, false})
				}
			case hclsyntax.TokenQuotedNewline:
				// A string broken by the end of its line: the line ends
				// the statement around it too.
				stack = stack[:len(stack)-1]
				t.Type = hclsyntax.TokenNewline
				goto again
			case hclsyntax.TokenEOF:
				stack = stack[:len(stack)-1]
				goto again
			case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
				push(&frame{kind: frameInterp})
			}
		case frameHeredoc:
			switch t.Type {
			case hclsyntax.TokenCHeredoc:
				stack = stack[:len(stack)-1]
			case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
				push(&frame{kind: frameInterp})
			case hclsyntax.TokenEOF:
				stack = stack[:len(stack)-1]
				goto again
			}
		default: // inside an expression
			switch t.Type {
			case hclsyntax.TokenOQuote:
				push(&frame{kind: frameQuote})
			case hclsyntax.TokenOBrace:
				push(&frame{kind: frameBrace})
			case hclsyntax.TokenCBrace:
				closeTo(t, frameBrace, frameBody)
			case hclsyntax.TokenEOF:
				for len(stack) > 1 && stack[len(stack)-1].kind != frameBody {
					stack = stack[:len(stack)-1]
				}
				goto again
			default:
				openOrClose(t, push, closeTo)
			}
		}
	}
	return o
}

// openOrClose handles the bracket tokens common to bodies and expressions.
func openOrClose(t hclsyntax.Token, push func(*frame), closeTo func(hclsyntax.Token, ...frameKind)) {
	switch t.Type {
	case hclsyntax.TokenOBrack:
		push(&frame{kind: frameBrack})
	case hclsyntax.TokenOParen:
		push(&frame{kind: frameParen})
	case hclsyntax.TokenOHeredoc:
		push(&frame{kind: frameHeredoc})
	case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
		push(&frame{kind: frameInterp})
	case hclsyntax.TokenCBrack:
		closeTo(t, frameBrack)
	case hclsyntax.TokenCParen:
		closeTo(t, frameParen)
	case hclsyntax.TokenTemplateSeqEnd:
		closeTo(t, frameInterp)
	}
}

// blockAt returns the innermost block whose body holds off (the file's
// body when none does).
func (o *outline) blockAt(off int) *block {
	b := o.root
	for {
		i := sort.Search(len(b.Blocks), func(i int) bool { return b.Blocks[i].Open >= off }) - 1
		if i < 0 || off > b.Blocks[i].Close {
			return b
		}
		b = b.Blocks[i]
	}
}

// headerAt returns the block whose type or label is at off, and which
// label (-1 for the type).
func (o *outline) headerAt(off int) (*block, int) {
	in := o.blockAt(off)
	for _, c := range in.Blocks {
		if c.TypeRange.Start.Byte > off {
			break
		}
		if contains(c.TypeRange, off) {
			return c, -1
		}
		for i, l := range c.Labels {
			if contains(l.Range, off) {
				return c, i
			}
		}
	}
	return nil, 0
}

// attrAt returns the attribute of b whose name (onName) or value holds off.
func (b *block) attrAt(off int) (a *attr, onName bool) {
	for _, a := range b.Attrs {
		if contains(a.NameRange, off) {
			return a, true
		}
		if a.Start <= off && off <= a.End {
			return a, false
		}
	}
	return nil, false
}

func contains(r hcl.Range, off int) bool { return r.Start.Byte <= off && off <= r.End.Byte }

// before returns the index of the last token starting before off, -1 if
// none does.
func (o *outline) before(off int) int {
	return sort.Search(len(o.toks), func(i int) bool { return o.toks[i].Range.Start.Byte >= off }) - 1
}

// tokenAt returns the index of the token under off: the one holding it,
// or the one ending at it (the cursor just after a word). -1 for none.
func (o *outline) tokenAt(off int) int {
	i := o.before(off)
	if i >= 0 && off <= o.toks[i].Range.End.Byte && o.toks[i].Type != hclsyntax.TokenNewline {
		return i
	}
	if i+1 < len(o.toks) && o.toks[i+1].Range.Start.Byte == off {
		return i + 1
	}
	return -1
}

// isBoundary tells a token that ends a statement.
func isBoundary(t hclsyntax.Token) bool {
	switch t.Type {
	case hclsyntax.TokenNewline, hclsyntax.TokenOBrace, hclsyntax.TokenCBrace:
		return true
	case hclsyntax.TokenComment:
		return bytes.HasSuffix(t.Bytes, []byte("\n"))
	}
	return false
}

// wordAt returns the span of the identifier being typed at off, if the
// cursor is at the start of a statement: nothing but white space, or one
// identifier, stands between the previous line (or brace) and the cursor.
// ok is false anywhere else.
func (o *outline) wordAt(off int) (start, end int, ok bool) {
	i := o.before(off)
	if i < 0 {
		return off, off, true
	}
	t := o.toks[i]
	if t.Type == hclsyntax.TokenIdent && off <= t.Range.End.Byte {
		if i == 0 || isBoundary(o.toks[i-1]) {
			return t.Range.Start.Byte, t.Range.End.Byte, true
		}
		return 0, 0, false
	}
	if isBoundary(t) && off >= t.Range.End.Byte {
		return off, off, true
	}
	return 0, 0, false
}

// valueState is where in an attribute's value the cursor is.
type valueState struct {
	// inString: inside a quoted string whose text starts at litStart and
	// whose literal token (the word being edited) ends at litEnd.
	inString         bool
	litStart, litEnd int
	// inList: directly inside the [ … ] of the value.
	inList bool
	// depth of brackets around the cursor within the value.
	depth int
	// prev is the index of the last token before the cursor, -1 at the
	// start of the value.
	prev int
}

// valueAt reads the tokens of a's value up to off.
func (o *outline) valueAt(a *attr, off int) valueState {
	var st valueState
	st.prev = -1
	var kinds []hclsyntax.TokenType
	first := sort.Search(len(o.toks), func(i int) bool { return o.toks[i].Range.Start.Byte >= a.Start })
	for i := first; i < len(o.toks) && o.toks[i].Range.Start.Byte < off; i++ {
		t := o.toks[i]
		st.prev = i
		switch t.Type {
		case hclsyntax.TokenOQuote, hclsyntax.TokenOBrack, hclsyntax.TokenOBrace, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl, hclsyntax.TokenOHeredoc:
			kinds = append(kinds, t.Type)
			if t.Type == hclsyntax.TokenOQuote {
				st.litStart, st.litEnd = t.Range.End.Byte, t.Range.End.Byte
			}
		case hclsyntax.TokenCQuote, hclsyntax.TokenCBrack, hclsyntax.TokenCBrace, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCHeredoc, hclsyntax.TokenQuotedNewline:
			if len(kinds) > 0 {
				kinds = kinds[:len(kinds)-1]
			}
			if n := len(kinds); n > 0 && kinds[n-1] == hclsyntax.TokenOQuote {
				// back in a string after ${ … }: a new literal starts
				st.litStart, st.litEnd = t.Range.End.Byte, t.Range.End.Byte
			}
		case hclsyntax.TokenQuotedLit:
			st.litEnd = t.Range.End.Byte
		}
	}
	if n := len(kinds); n > 0 {
		st.inString = kinds[n-1] == hclsyntax.TokenOQuote
		st.depth = n
		if st.inString {
			n--
		}
		st.inList = n == 1 && kinds[0] == hclsyntax.TokenOBrack
		// The literal under the cursor may go on past it.
		if st.inString {
			if j := st.prev + 1; j < len(o.toks) && o.toks[j].Type == hclsyntax.TokenQuotedLit && o.toks[j].Range.Start.Byte <= off {
				st.litEnd = o.toks[j].Range.End.Byte
			}
			st.litEnd = max(st.litEnd, off)
		}
	}
	return st
}

// stringAt returns the literal string of a's value under off (a label or
// a quoted value without interpolation), with its range quotes included.
func (o *outline) stringAt(a *attr, off int) (string, hcl.Range, bool) {
	first := sort.Search(len(o.toks), func(i int) bool { return o.toks[i].Range.Start.Byte >= a.Start })
	for i := first; i < len(o.toks) && o.toks[i].Range.Start.Byte <= a.End; i++ {
		if o.toks[i].Type != hclsyntax.TokenOQuote {
			continue
		}
		var lit strings.Builder
		j := i + 1
		for ; j < len(o.toks) && o.toks[j].Type == hclsyntax.TokenQuotedLit; j++ {
			lit.Write(o.toks[j].Bytes)
		}
		if j >= len(o.toks) || o.toks[j].Type != hclsyntax.TokenCQuote {
			i = j
			continue
		}
		r := hcl.RangeBetween(o.toks[i].Range, o.toks[j].Range)
		if contains(r, off) {
			return lit.String(), r, true
		}
		i = j
	}
	return "", hcl.Range{}, false
}

// strings returns the literal strings of a's value, for a list such as
// flags, skipping the one at skip.
func (o *outline) stringsOf(a *attr, skip int) map[string]bool {
	out := map[string]bool{}
	first := sort.Search(len(o.toks), func(i int) bool { return o.toks[i].Range.Start.Byte >= a.Start })
	for i := first; i < len(o.toks) && o.toks[i].Range.Start.Byte < a.End; i++ {
		t := o.toks[i]
		if t.Type == hclsyntax.TokenQuotedLit && !(t.Range.Start.Byte <= skip && skip <= t.Range.End.Byte) {
			out[string(t.Bytes)] = true
		}
	}
	return out
}

// reference returns the `var.NAME` or `local.NAME` traversal the token at
// index i belongs to: its root ("var" or "local"), name, and the range of
// the whole traversal.
func (o *outline) reference(i int) (root, name string, rng hcl.Range, ok bool) {
	is := func(j int, tt hclsyntax.TokenType) bool { return j >= 0 && j < len(o.toks) && o.toks[j].Type == tt }
	// Move i to the traversal's root.
	switch {
	case is(i, hclsyntax.TokenIdent) && is(i-1, hclsyntax.TokenDot) && is(i-2, hclsyntax.TokenIdent):
		i -= 2
	case is(i, hclsyntax.TokenDot) && is(i-1, hclsyntax.TokenIdent):
		i--
	}
	if !is(i, hclsyntax.TokenIdent) || !is(i+1, hclsyntax.TokenDot) || !is(i+2, hclsyntax.TokenIdent) {
		return "", "", hcl.Range{}, false
	}
	root = string(o.toks[i].Bytes)
	if root != "var" && root != "local" {
		return "", "", hcl.Range{}, false
	}
	if is(i-1, hclsyntax.TokenDot) {
		return "", "", hcl.Range{}, false // x.var.y is not a reference to a variable
	}
	return root, string(o.toks[i+2].Bytes), hcl.RangeBetween(o.toks[i].Range, o.toks[i+2].Range), true
}

// text returns the source of a's value, trimmed.
func (o *outline) text(a *attr) string {
	return strings.TrimSpace(string(o.src[a.Start:min(a.End, len(o.src))]))
}
