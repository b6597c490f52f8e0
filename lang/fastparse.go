package lang

import (
	"bytes"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// HCL's parser first cuts the whole source into a slice of tokens, then
// builds the tree, with what it needs to report and recover from any
// mistake along the way. On a large file, such as a host with thousands of
// routes, the token slice and its growth cost most of the time and
// memory of reading the configuration. fastParse reads the common subset
// of the native syntax in one pass over the bytes, building the tree
// directly:
//
//   - body items: attributes ending with a newline (or the end of the
//     file), and blocks whose labels are quoted strings or names, with a
//     body over several lines, empty ({}), or of one attribute on the
//     line of its braces (a { x = 1 });
//   - comments of the three kinds;
//   - expressions: quoted strings (with the escapes \n \r \t \" and \\,
//     without template sequences), numbers and negated numbers, true,
//     false, null, references made of names (var.x, local.y.z), tuples,
//     and objects whose keys are names, references or quoted strings.
//
// It must give exactly the tree HCL gives, ranges included, so that
// nothing downstream can tell them apart: diagnostics point at the same
// places either way. It therefore gives up, and the caller parses with
// HCL, on anything else — another kind of expression, an operator, a
// template sequence, a heredoc, a byte outside ASCII (HCL counts columns
// in grapheme clusters), a carriage return — and on any mistake: it only
// needs to be fast on valid input, HCL reports the mistakes.

// fastMaxDepth bounds how deeply blocks, tuples and objects may nest in
// what fastParse reads, so that its recursion stays shallow whatever the
// input.
const fastMaxDepth = 64

// fastParse parses src as hclsyntax.ParseConfig(src, filename, start)
// does. ok is false when src is outside the subset fastParse reads (see
// above), or not valid; when ok, the body is the one ParseConfig returns,
// and ParseConfig would report no diagnostic.
func fastParse(src []byte, filename string, start hcl.Pos) (body *hclsyntax.Body, ok bool) {
	return fastParseIn(src, filename, start, 0)
}

// fastParseIn parses src as fastParse does, as items of the body of a
// block nested depth deep: what fastParse of the whole block would count
// towards fastMaxDepth. (split.go parses the body of a large block in
// parts, which is exact as long as reading an item never looks past the
// newline that ends it.)
func fastParseIn(src []byte, filename string, start hcl.Pos, depth int) (body *hclsyntax.Body, ok bool) {
	p := fastParser{
		src:    src,
		name:   filename,
		base:   start.Byte,
		cursor: cursor{line: start.Line, lineStart: 1 - start.Column},
		depth:  depth,
		cache:  fastCaches.Get().(*fastCache),
	}
	defer fastCaches.Put(p.cache)
	// How many nodes of each kind the tree may hold, about: each attribute
	// has an equals sign, each block a brace, each string two quotes, and
	// most literals follow an equals sign.
	equals, braces, strings := bytes.Count(src, []byte{'='}), bytes.Count(src, []byte{'{'}), bytes.Count(src, []byte{'"'})/2
	p.attrs.hint = equals
	p.blocks.hint, p.bodies.hint = braces, braces
	p.templates.hint, p.parts.hint = strings, strings
	p.literals.hint = max(equals, strings)
	startRange, ok := p.firstToken()
	if !ok {
		return nil, false
	}
	return p.body(startRange, false)
}

type fastParser struct {
	src  []byte
	name string
	// base is the offset in the file of src[0].
	base int
	cursor
	depth int
	cache *fastCache
	// The nodes of the tree are allocated many at a time.
	bodies    slab[hclsyntax.Body]
	blocks    slab[hclsyntax.Block]
	attrs     slab[hclsyntax.Attribute]
	templates slab[hclsyntax.TemplateExpr]
	literals  slab[hclsyntax.LiteralValueExpr]
	parts     slab[hclsyntax.Expression]
}

// A cursor is where the parser is.
type cursor struct {
	i int // the next byte to read
	// line is the line of src[i], which starts at src[lineStart]
	// (lineStart is negative when the first line starts before src).
	line, lineStart int
}

// A fastCache shares the names and string values that repeat (names of
// attributes and blocks, "eth0") between the nodes of a tree and between
// trees, which saves an allocation or two for each. Each string has one
// place, by its hash, which the last string of that hash takes. Only short
// strings are shared.
type fastCache struct {
	names [256]string
	strs  [256]struct {
		s  string
		v  cty.Value
		ok bool
	}
}

const fastCacheMax = 32

var fastCaches = sync.Pool{New: func() any { return new(fastCache) }}

// fastHash is FNV-1a, to a place of fastCache.
func fastHash(b []byte) uint8 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return uint8(h ^ h>>8 ^ h>>16 ^ h>>24)
}

// A slab hands out the elements of arrays allocated a few at a time, up to
// slabMax: allocating the nodes of a large tree one by one takes most of
// the time of parsing it. A node kept after the tree is dropped keeps its
// array alive: only Local.Expr is kept, of a few nodes.
type slab[T any] struct {
	free []T
	// hint is about how many elements are still to be taken, which sizes
	// the arrays: no more than will be used, which a small tree would
	// waste.
	hint int
}

const (
	slabMin = 4
	slabMax = 128
)

// take returns n elements (a slice of capacity n, so that appending to it
// does not overwrite the next ones).
func (s *slab[T]) take(n int) []T {
	if len(s.free) < n {
		size := max(min(s.hint, slabMax), slabMin, n)
		s.hint -= size
		s.free = make([]T, size)
	}
	x := s.free[:n:n]
	s.free = s.free[n:]
	return x
}

func (s *slab[T]) new() *T { return &s.take(1)[0] }

// pos is the position of src[i], which must be on the current line.
func (p *fastParser) pos(i int) hcl.Pos {
	return hcl.Pos{Line: p.line, Column: i - p.lineStart + 1, Byte: p.base + i}
}

// rng is the range of src[from:to], both on the current line.
func (p *fastParser) rng(from, to int) hcl.Range {
	return hcl.Range{Filename: p.name, Start: p.pos(from), End: p.pos(to)}
}

// newline records the newline at src[i].
func (p *fastParser) newline(i int) {
	p.line++
	p.lineStart = i + 1
}

// firstToken returns the range of the first token of the file that HCL's
// parser sees, which starts the range of the file's body: a newline, a
// line comment (which HCL turns into a newline), a name, or the end of the
// file. It leaves the cursor where it was.
func (p *fastParser) firstToken() (hcl.Range, bool) {
	defer func(c cursor) { p.cursor = c }(p.cursor)
	if !p.space() {
		return hcl.Range{}, false
	}
	from := p.i
	switch {
	case p.i == len(p.src):
		return p.rng(from, from), true
	case p.src[p.i] == '\n':
		start := p.pos(from)
		p.newline(from)
		return hcl.Range{Filename: p.name, Start: start, End: p.pos(from + 1)}, true
	case p.atLineComment():
		start := p.pos(from)
		nl, ok := p.lineComment()
		if !ok {
			return hcl.Range{}, false
		}
		if !nl {
			// A comment that the end of the file ends is not a newline:
			// the parser skips it and sees the end of the file.
			return p.rng(p.i, p.i), true
		}
		return hcl.Range{Filename: p.name, Start: start, End: p.pos(p.i)}, true
	case isNameStart(p.src[p.i]):
		return p.rng(from, p.nameEnd(from)), true
	}
	return hcl.Range{}, false
}

// body reads the items of a body up to its closing brace (inBlock) or the
// end of the file. open is the range of the token before the body: the
// opening brace, or the first token of the file.
func (p *fastParser) body(open hcl.Range, inBlock bool) (*hclsyntax.Body, bool) {
	b := p.bodies.new()
	b.Attributes, b.Blocks = hclsyntax.Attributes{}, hclsyntax.Blocks{}
	src := p.src
	for {
		if !p.space() {
			return nil, false
		}
		if p.i == len(src) {
			if inBlock {
				return nil, false
			}
			end := p.rng(p.i, p.i)
			b.SrcRange = hcl.RangeBetween(open, end)
			b.EndRange = end
			return b, true
		}
		switch c := src[p.i]; {
		case c == '\n':
			p.newline(p.i)
			p.i++
		case c == '#' || c == '/':
			// space stopped at a slash: a line comment or nothing valid.
			if _, ok := p.lineComment(); !ok {
				return nil, false
			}
		case c == '}' && inBlock:
			end := p.rng(p.i, p.i+1)
			p.i++
			b.SrcRange = hcl.RangeBetween(open, end)
			b.EndRange = hcl.Range{Filename: p.name, Start: end.End, End: end.End}
			return b, true
		case isNameStart(c):
			if !p.item(b) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// item reads an attribute or a block into b, up to the newline that ends
// it (included) or the end of the file.
func (p *fastParser) item(b *hclsyntax.Body) bool {
	from := p.i
	to := p.nameEnd(from)
	nameRange := p.rng(from, to)
	name := p.intern(p.src[from:to])
	p.i = to
	if !p.space() || p.i == len(p.src) {
		return false
	}
	if p.src[p.i] == '=' {
		a, ok := p.attribute(name, nameRange)
		if !ok || !p.endOfItem() {
			return false
		}
		n := len(b.Attributes)
		if b.Attributes[name] = a; len(b.Attributes) == n {
			return false // defined twice, which HCL reports
		}
		return true
	}
	blk, ok := p.block(name, nameRange)
	if !ok || !p.endOfItem() {
		return false
	}
	b.Blocks = append(b.Blocks, blk)
	return true
}

// endOfItem reads what may follow an item: spaces and comments, then a
// newline or the end of the file.
func (p *fastParser) endOfItem() bool {
	if !p.space() {
		return false
	}
	switch {
	case p.i == len(p.src):
		return true
	case p.src[p.i] == '\n':
		p.newline(p.i)
		p.i++
		return true
	case p.atLineComment():
		_, ok := p.lineComment()
		return ok
	}
	return false
}

// attribute reads the rest of an attribute, from its equals sign to the
// end of its expression.
func (p *fastParser) attribute(name string, nameRange hcl.Range) (*hclsyntax.Attribute, bool) {
	if !p.equals() {
		return nil, false
	}
	eq := p.rng(p.i, p.i+1)
	p.i++
	if !p.space() {
		return nil, false
	}
	expr, ok := p.expr()
	if !ok {
		return nil, false
	}
	a := p.attrs.new()
	a.Name, a.Expr = name, expr
	a.SrcRange = hcl.RangeBetween(nameRange, expr.Range())
	a.NameRange, a.EqualsRange = nameRange, eq
	return a, true
}

// equals tells whether src[i] is an equals sign alone, not the start of ==
// or =>.
func (p *fastParser) equals() bool {
	src := p.src
	return p.i < len(src) && src[p.i] == '=' && (p.i+1 == len(src) || src[p.i+1] != '=' && src[p.i+1] != '>')
}

// block reads the rest of a block, from its labels to its closing brace.
func (p *fastParser) block(typ string, typeRange hcl.Range) (*hclsyntax.Block, bool) {
	blk := p.blocks.new()
	blk.Type, blk.TypeRange = typ, typeRange
	src := p.src
	for {
		if p.i == len(src) {
			return nil, false
		}
		c := src[p.i]
		if c == '{' {
			break
		}
		var label string
		var labelRange hcl.Range
		switch {
		case c == '"':
			from := p.i
			s, _, ok := p.quoted()
			if !ok {
				return nil, false
			}
			label, labelRange = s, p.rng(from, p.i)
		case isNameStart(c):
			to := p.nameEnd(p.i)
			label, labelRange = p.intern(src[p.i:to]), p.rng(p.i, to)
			p.i = to
		default:
			return nil, false
		}
		blk.Labels = append(blk.Labels, label)
		blk.LabelRanges = append(blk.LabelRanges, labelRange)
		if !p.space() {
			return nil, false
		}
	}
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	blk.OpenBraceRange = p.rng(p.i, p.i+1)
	p.i++
	if !p.space() {
		return nil, false
	}
	var ok bool
	if p.i < len(src) && isNameStart(src[p.i]) {
		// One attribute on the line of the braces.
		blk.Body, ok = p.singleAttrBody()
	} else {
		blk.Body, ok = p.body(blk.OpenBraceRange, true)
	}
	if !ok {
		return nil, false
	}
	blk.CloseBraceRange = p.rng(p.i-1, p.i)
	return blk, true
}

// singleAttrBody reads the body of a block written on one line, a { x = 1 },
// up to its closing brace.
func (p *fastParser) singleAttrBody() (*hclsyntax.Body, bool) {
	from := p.i
	to := p.nameEnd(from)
	nameRange := p.rng(from, to)
	name := p.intern(p.src[from:to])
	p.i = to
	if !p.space() {
		return nil, false
	}
	a, ok := p.attribute(name, nameRange)
	if !ok || !p.space() || p.i == len(p.src) || p.src[p.i] != '}' {
		return nil, false
	}
	p.i++
	end := a.SrcRange.End
	b := p.bodies.new()
	*b = hclsyntax.Body{
		Attributes: hclsyntax.Attributes{name: a},
		SrcRange:   a.SrcRange,
		EndRange:   hcl.Range{Filename: p.name, Start: end, End: end},
	}
	return b, true
}

// expr reads an expression that starts at src[i]. What follows it is for
// the caller to check: anything but what the caller expects there (an
// operator, a dot, a bracket, a parenthesis) means an expression outside
// the subset.
func (p *fastParser) expr() (hclsyntax.Expression, bool) {
	src := p.src
	if p.i == len(src) {
		return nil, false
	}
	switch c := src[p.i]; {
	case c == '"':
		from := p.i
		s, v, ok := p.quoted()
		if !ok {
			return nil, false
		}
		// HCL gives the literal an empty range just after the closing
		// quote when the string is empty.
		litFrom, litTo := from+1, p.i-1
		if s == "" {
			litFrom, litTo = p.i, p.i
		}
		lit := p.literals.new()
		lit.Val, lit.SrcRange = v, p.rng(litFrom, litTo)
		t := p.templates.new()
		t.Parts = p.parts.take(1)
		t.Parts[0] = lit
		t.SrcRange = p.rng(from, p.i)
		return t, true
	case c >= '0' && c <= '9':
		return p.number()
	case c == '-':
		if p.i+1 == len(src) || src[p.i+1] < '0' || src[p.i+1] > '9' {
			return nil, false
		}
		minus := p.rng(p.i, p.i+1)
		p.i++
		n, ok := p.number()
		if !ok {
			return nil, false
		}
		return &hclsyntax.UnaryOpExpr{
			Op:          hclsyntax.OpNegate,
			Val:         n,
			SrcRange:    hcl.RangeBetween(minus, n.Range()),
			SymbolRange: minus,
		}, true
	case isNameStart(c):
		return p.reference()
	case c == '[':
		return p.tuple()
	case c == '{':
		return p.object()
	}
	return nil, false
}

// number reads a number literal.
func (p *fastParser) number() (hclsyntax.Expression, bool) {
	src := p.src
	from := p.i
	i := digits(src, from)
	if i < len(src) && src[i] == '.' && i+1 < len(src) && isDigit(src[i+1]) {
		i = digits(src, i+1)
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			i = digits(src, j)
		}
	}
	// HCL's scanner would read a longer token, or a name right after.
	if i < len(src) && (src[i] == '.' || isNameByte(src[i])) {
		return nil, false
	}
	v, err := cty.ParseNumberVal(string(src[from:i]))
	if err != nil {
		return nil, false
	}
	p.i = i
	lit := p.literals.new()
	lit.Val, lit.SrcRange = v, p.rng(from, i)
	return lit, true
}

func digits(src []byte, i int) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	return i
}

// reference reads true, false, null, or a reference: a name, maybe
// followed by .name steps.
func (p *fastParser) reference() (hclsyntax.Expression, bool) {
	src := p.src
	from := p.i
	to := p.nameEnd(from)
	p.i = to
	var v cty.Value
	switch string(src[from:to]) {
	case "true":
		v = cty.True
	case "false":
		v = cty.False
	case "null":
		v = cty.NullVal(cty.DynamicPseudoType)
	default:
		r := p.rng(from, to)
		t := hclsyntax.ScopeTraversalExpr{
			Traversal: hcl.Traversal{hcl.TraverseRoot{Name: p.intern(src[from:to]), SrcRange: r}},
			SrcRange:  r,
		}
		for p.i+1 < len(src) && src[p.i] == '.' && isNameStart(src[p.i+1]) {
			dot := p.i
			to := p.nameEnd(dot + 1)
			r := p.rng(dot, to)
			t.Traversal = append(t.Traversal, hcl.TraverseAttr{Name: p.intern(src[dot+1 : to]), SrcRange: r})
			t.SrcRange.End = r.End
			p.i = to
		}
		return &t, true
	}
	lit := p.literals.new()
	lit.Val, lit.SrcRange = v, p.rng(from, to)
	return lit, true
}

// tuple reads a tuple, [a, b], in which newlines and comments are spaces.
func (p *fastParser) tuple() (hclsyntax.Expression, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	src := p.src
	t := &hclsyntax.TupleConsExpr{OpenRange: p.rng(p.i, p.i+1)}
	p.i++
	if !p.spaceLines() || p.isFor() {
		return nil, false // a for expression
	}
	for {
		if p.i < len(src) && src[p.i] == ']' {
			break
		}
		e, ok := p.expr()
		if !ok || !p.spaceLines() || p.i == len(src) {
			return nil, false
		}
		t.Exprs = append(t.Exprs, e)
		if src[p.i] == ']' {
			break
		}
		if src[p.i] != ',' {
			return nil, false
		}
		p.i++
		if !p.spaceLines() {
			return nil, false
		}
	}
	p.i++
	t.SrcRange = hcl.RangeBetween(t.OpenRange, p.rng(p.i-1, p.i))
	return t, true
}

// object reads an object, { a = 1, b = 2 }, whose items end with a comma
// or a newline.
func (p *fastParser) object() (hclsyntax.Expression, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	src := p.src
	o := &hclsyntax.ObjectConsExpr{OpenRange: p.rng(p.i, p.i+1)}
	p.i++
	// HCL looks for the word for across newlines and comments.
	saved := p.cursor
	if !p.spaceLines() || p.isFor() {
		return nil, false
	}
	p.cursor = saved
	for {
		if !p.space() || p.i == len(src) {
			return nil, false
		}
		switch c := src[p.i]; {
		case c == '\n':
			p.newline(p.i)
			p.i++
			continue
		case p.atLineComment():
			if nl, ok := p.lineComment(); !ok || !nl {
				return nil, false
			}
			continue
		case c == '}':
			p.i++
			o.SrcRange = hcl.RangeBetween(o.OpenRange, p.rng(p.i-1, p.i))
			return o, true
		case c != '"' && !isNameStart(c):
			return nil, false // keys are names or quoted strings here
		}
		key, ok := p.expr()
		if !ok || !p.space() {
			return nil, false
		}
		if p.equals() || p.i+1 < len(src) && src[p.i] == ':' && src[p.i+1] != ':' {
			p.i++
		} else {
			return nil, false
		}
		if !p.space() {
			return nil, false
		}
		value, ok := p.expr()
		if !ok || !p.space() || p.i == len(src) {
			return nil, false
		}
		o.Items = append(o.Items, hclsyntax.ObjectConsItem{
			KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: key},
			ValueExpr: value,
		})
		// The closing brace, or the comma or newline before the next item.
		switch c := src[p.i]; {
		case c == '}':
		case c == ',':
			p.i++
		case c == '\n':
			p.newline(p.i)
			p.i++
		case p.atLineComment():
			if nl, ok := p.lineComment(); !ok || !nl {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// isFor tells whether src[i] starts the word for, which would make the
// tuple or object a for expression.
func (p *fastParser) isFor() bool {
	src := p.src
	return p.i+3 <= len(src) && string(src[p.i:p.i+3]) == "for" && (p.i+3 == len(src) || !isNameByte(src[p.i+3]))
}

// quoted reads a quoted string, returning its text and its value. It gives
// up on template sequences, on escapes other than \n \r \t \" \\, and on
// any byte that is not printable ASCII or a tab.
func (p *fastParser) quoted() (string, cty.Value, bool) {
	src := p.src
	from := p.i + 1
	i := from
	escaped := false
	for ; i < len(src); i++ {
		c := src[i]
		if plainInString[c] {
			continue
		}
		switch {
		case c == '"':
			var s string
			if escaped {
				s = unescape(src[from:i])
			}
			p.i = i + 1
			return p.stringValue(src[from:i], s, escaped)
		case c == '\\':
			if i+1 == len(src) {
				return "", cty.NilVal, false
			}
			switch src[i+1] {
			case 'n', 'r', 't', '"', '\\':
			default:
				return "", cty.NilVal, false
			}
			escaped = true
			i++
		case c == '$' || c == '%':
			// ${ and %{ start template sequences, $${ and %%{ escape
			// them; a $ or % alone is itself.
			if i+1 < len(src) && (src[i+1] == '{' || src[i+1] == c) {
				return "", cty.NilVal, false
			}
		case c < ' ' && c != '\t' || c >= 0x7f:
			return "", cty.NilVal, false
		}
	}
	return "", cty.NilVal, false
}

// plainInString tells which bytes a quoted string holds as they are, and
// quoted has nothing to check about: printable ASCII and tabs, but quotes,
// backslashes, dollars and percent signs.
var plainInString = func() (plain [256]bool) {
	for c := ' '; c < 0x7f; c++ {
		plain[c] = true
	}
	plain['\t'] = true
	for _, c := range `"\\$%` {
		plain[c] = false
	}
	return plain
}()

// stringValue returns the text and the value of a quoted string whose
// bytes are b, which unescaped is s (escaped), or b itself.
func (p *fastParser) stringValue(b []byte, s string, escaped bool) (string, cty.Value, bool) {
	if escaped {
		return s, cty.StringVal(s), true
	}
	if len(b) > fastCacheMax {
		s := string(b)
		return s, cty.StringVal(s), true
	}
	e := &p.cache.strs[fastHash(b)]
	if !e.ok || e.s != string(b) {
		e.s = string(b)
		e.v = cty.StringVal(e.s)
		e.ok = true
	}
	return e.s, e.v, true
}

// unescape resolves the escapes \n \r \t \" \\ of b, the only ones quoted
// lets through.
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' {
			i++
			switch c = b[i]; c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// intern returns b as a string, shared with the other occurrences of the
// same short name.
func (p *fastParser) intern(b []byte) string {
	if len(b) > fastCacheMax {
		return string(b)
	}
	e := &p.cache.names[fastHash(b)]
	if *e != string(b) {
		*e = string(b)
	}
	return *e
}

// space skips spaces, tabs and block comments, which HCL's parser skips
// even where newlines matter. It returns false on a block comment it does
// not read.
func (p *fastParser) space() bool {
	src := p.src
	for p.i < len(src) {
		switch src[p.i] {
		case ' ', '\t':
			p.i++
		case '/':
			if p.i+1 < len(src) && src[p.i+1] == '*' {
				if !p.blockComment() {
					return false
				}
				continue
			}
			return true
		default:
			return true
		}
	}
	return true
}

// spaceLines skips spaces, newlines and comments, as HCL does inside
// brackets.
func (p *fastParser) spaceLines() bool {
	src := p.src
	for {
		if !p.space() {
			return false
		}
		switch {
		case p.i == len(src):
			return true
		case src[p.i] == '\n':
			p.newline(p.i)
			p.i++
		case p.atLineComment():
			if _, ok := p.lineComment(); !ok {
				return false
			}
		default:
			return true
		}
	}
}

// blockComment skips a /* */ comment.
func (p *fastParser) blockComment() bool {
	src := p.src
	for i := p.i + 2; i < len(src); i++ {
		switch c := src[i]; {
		case c == '*' && i+1 < len(src) && src[i+1] == '/':
			p.i = i + 2
			return true
		case c == '\n':
			p.newline(i)
		case c < ' ' && c != '\t' || c >= 0x7f:
			return false
		}
	}
	return false
}

// atLineComment tells whether src[i] starts a # or // comment.
func (p *fastParser) atLineComment() bool {
	src := p.src
	return p.i < len(src) && (src[p.i] == '#' || src[p.i] == '/' && p.i+1 < len(src) && src[p.i+1] == '/')
}

// lineComment skips a # or // comment (which atLineComment has seen), with
// the newline that ends it. nl is false when the end of the file ends it
// instead.
func (p *fastParser) lineComment() (nl, ok bool) {
	src := p.src
	if !p.atLineComment() {
		return false, false
	}
	for i := p.i + 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			p.newline(i)
			p.i = i + 1
			return true, true
		case c < ' ' && c != '\t' || c >= 0x7f:
			return false, false
		}
	}
	p.i = len(src)
	return false, true
}

// nameEnd returns the end of the name that starts at src[from].
func (p *fastParser) nameEnd(from int) int {
	src := p.src
	i := from + 1
	for i < len(src) && isNameByte(src[i]) {
		i++
	}
	return i
}

func isNameStart(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' }

// isNameByte tells whether c continues a name: HCL's names may hold
// dashes.
func isNameByte(c byte) bool { return isNameStart(c) || isDigit(c) || c == '-' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
