package lang

import (
	"bytes"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Reading a large configuration file by file holds every syntax tree at
// once, and the trees of 10,000 guests take more memory than all the rest
// of vsc check. Load therefore first tries to cut each native file into
// chunks of whole top-level items, which it parses on their own: the
// chunks of guest blocks only once the scope is known, each right before
// its guests are decoded, so that their trees are dropped as soon as
// they are used.
//
// The cuts are found by a scan of the bytes that knows comments, strings,
// heredocs and brackets. It only needs to be right for files that parse
// without a problem: a cut that is not between two top-level items leaves
// the chunk before it with an unterminated construct, which HCL always
// reports. So Load falls back to reading whole files, as if no chunk had
// been tried, as soon as reading any chunk reports anything; and a chunk
// read without a problem holds exactly the items, with the same ranges,
// that parsing the whole file gives.
//
// A large top-level item, such as a host with thousands of routes, would
// still be read on one core while the others wait. Such an item is a
// chunk of its own, and parseRuns cuts the body of a block into runs of
// whole items, at the lines the same scan finds at depth 1, which
// fastParse reads in parallel. Each part is checked rather than trusted
// to the scan: see parseRuns.

// chunkBytes is about how many bytes of guest blocks one chunk holds.
// Small chunks keep the lexer's token slice small. (A variable for the
// tests, which cut at every item.)
var chunkBytes = 2 << 10

// bigItemBytes is the size from which a top-level item is a chunk of its
// own, read by runs of its body's items; runBytes is about how many bytes
// each run holds. A run costs a few allocations more than reading its
// items with the others, nothing beside the microseconds it takes to
// read 8 KiB. (Variables for the tests, which cut at every line.)
var (
	bigItemBytes = 32 << 10
	runBytes     = 8 << 10
)

// A chunk is a run of whole top-level items of a native file.
type chunk struct {
	name  string
	src   []byte  // the chunk's bytes, part of the file's
	start hcl.Pos // where src starts in the file
	// guest is true when the chunk holds guest blocks only (as far as the
	// scan can tell): it is parsed when its guests are decoded.
	guest bool
	// lines, when the chunk is one item of at least bigItemBytes, are the
	// offsets in the file of the lines that start inside its outer
	// brackets: where the body of a block may be cut.
	lines []int
}

// parse parses the chunk alone. ok is false when HCL reports anything: the
// file must then be read whole.
func (c *chunk) parse() (hcl.Blocks, bool) {
	// fastParse gives the body ParseConfig would, or gives up (see
	// fastparse.go). Only the body is used: the file it would be part of
	// is dropped.
	var body hcl.Body
	if b, ok := c.parseRuns(); ok {
		body = b
	} else if b, ok := fastParse(c.src, c.name, c.start); ok {
		body = b
	} else {
		f, diags := hclsyntax.ParseConfig(c.src, c.name, c.start)
		if len(diags) > 0 || f == nil || f.Body == nil {
			return nil, false
		}
		body = f.Body
	}
	content, diags := body.Content(topSchema)
	if len(diags) > 0 {
		return nil, false
	}
	return content.Blocks, true
}

// parseRuns reads a chunk of one large block, on every core, into the body
// fastParse gives for the whole chunk. ok is false, and the chunk must be
// read whole, when its item is not a block of several lines
//
//	TYPE LABELS {
//	  ITEMS
//	}
//
// with nothing but a comment after the opening brace, or fastParse gives up
// on any part.
//
// The block without its body (the chunk up to the first line inside the
// braces, then from the line of the closing brace on) is read first: it
// gives the header, what follows the block, and every range but those of
// the body's items and those after the body, which are the same lines
// and bytes further, at the same columns. The lines in between are cut
// into runs, each read as a file of its own, from the position it has in
// the chunk. Every part starts at the start of a line where the parser of
// the whole chunk would be between two items of the block's body, and a
// part that reads ends with a newline beyond which fastParse does not
// look: so when every part reads, they give exactly what fastParse gives
// for the whole chunk. The scan only proposes the cuts; a wrong one makes
// a part fail to read.
func (c *chunk) parseRuns() (*hclsyntax.Body, bool) {
	if len(c.lines) < 2 {
		return nil, false
	}
	src, base := c.src, c.start.Byte
	first, closing := c.lines[0]-base, c.lines[len(c.lines)-1]-base
	outer := make([]byte, 0, first+len(src)-closing)
	outer = append(append(outer, src[:first]...), src[closing:]...)
	body, ok := fastParse(outer, c.name, c.start)
	if !ok || len(body.Attributes) > 0 || len(body.Blocks) != 1 {
		return nil, false
	}
	// The block's braces must be those around the cut lines: the opening
	// one on the line before the first (a comment may follow it), so that
	// the parser is between two items of the body where the first run
	// starts; the closing one first on its line, after spaces.
	blk := body.Blocks[0]
	open := blk.OpenBraceRange.Start.Byte - base
	indent := len(src[closing:]) - len(bytes.TrimLeft(src[closing:], " \t"))
	if open >= first || bytes.IndexByte(src[open:first], '\n') != first-1-open ||
		blk.CloseBraceRange.Start.Byte != base+first+indent {
		return nil, false
	}

	// The runs: from each cut to the next, the last one ending at the line
	// of the closing brace.
	cuts := []int{first}
	for _, at := range c.lines[1 : len(c.lines)-1] {
		if at -= base; at-cuts[len(cuts)-1] >= runBytes {
			cuts = append(cuts, at)
		}
	}
	cuts = append(cuts, closing)
	if len(cuts) < 3 {
		return nil, false // one run: nothing to share
	}
	starts := make([]hcl.Pos, len(cuts)-1)
	pos := c.start
	for i, at := range cuts[:len(cuts)-1] {
		pos.Line += bytes.Count(src[pos.Byte-base:at], []byte{'\n'})
		pos.Column, pos.Byte = 1, base+at
		starts[i] = pos
	}
	runs := make([]*hclsyntax.Body, len(starts))
	var failed atomic.Bool
	parallel(len(runs), func(i int) {
		if failed.Load() {
			return // the chunk is read whole anyway
		}
		// The items of the block's body are one block deep.
		r, ok := fastParseIn(src[cuts[i]:cuts[i+1]], c.name, starts[i], 1)
		if !ok {
			failed.Store(true)
		}
		runs[i] = r
	})
	if failed.Load() {
		return nil, false
	}

	inner := blk.Body // empty, as read without its items
	n := 0
	for _, r := range runs {
		n += len(r.Blocks)
	}
	inner.Blocks = make(hclsyntax.Blocks, 0, n)
	for _, r := range runs {
		for name, a := range r.Attributes {
			if _, dup := inner.Attributes[name]; dup {
				return nil, false // which HCL reports
			}
			inner.Attributes[name] = a
		}
		inner.Blocks = append(inner.Blocks, r.Blocks...)
	}
	// What follows the body moves by the lines and bytes it holds.
	lines := bytes.Count(src[first:closing], []byte{'\n'})
	for _, p := range []*hcl.Pos{
		&blk.CloseBraceRange.Start, &blk.CloseBraceRange.End,
		&inner.SrcRange.End, &inner.EndRange.Start, &inner.EndRange.End,
		&body.SrcRange.End, &body.EndRange.Start, &body.EndRange.End,
	} {
		p.Line += lines
		p.Byte += closing - first
	}
	return body, true
}

// splitFile cuts a native file into chunks: runs of guest blocks of about
// chunkBytes, runs of other items, and items of at least bigItemBytes
// alone. It returns one chunk, not marked guest, when it finds no place to
// cut.
func splitFile(name string, src []byte) []chunk {
	starts, lines := itemStarts(src)
	if len(starts) == 0 {
		return []chunk{{name: name, src: src, start: hcl.InitialPos}}
	}
	var out []chunk
	pos := hcl.InitialPos
	for i, at := range starts {
		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		guest, big := isGuestItem(src, at), end-at >= bigItemBytes
		if i > 0 {
			last := &out[len(out)-1]
			if !big && last.lines == nil && guest == last.guest && (!guest || at-last.start.Byte < chunkBytes) {
				continue // the item joins the chunk
			}
			last.src = src[last.start.Byte:at]
			pos.Line += bytes.Count(src[pos.Byte:at], []byte{'\n'})
			pos.Byte = at
		}
		// The first chunk starts at 0, with what comes before the first
		// item (comments).
		c := chunk{name: name, start: pos, guest: guest}
		for len(lines) > 0 && lines[0] < at {
			lines = lines[1:]
		}
		if big {
			n := 0
			for n < len(lines) && lines[n] < end {
				n++
			}
			c.lines = lines[:n:n]
		}
		out = append(out, c)
	}
	last := &out[len(out)-1]
	last.src = src[last.start.Byte:]
	return out
}

// isGuestItem tells whether the item at src[at:] starts with the word
// guest.
func isGuestItem(src []byte, at int) bool {
	const word = "guest"
	if !bytes.HasPrefix(src[at:], []byte(word)) {
		return false
	}
	rest := src[at+len(word):]
	return len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '"')
}

// itemStarts returns the offsets of the lines that start, at column 1, a
// top-level item (a letter or an underscore, outside brackets, comments,
// strings and heredocs), and, in the items of at least bigItemBytes, of
// the lines that start inside one bracket (the body of a block: the lines
// of its items, blank lines, comments, its closing brace); nil when the
// scan finds something it does not follow.
func itemStarts(src []byte) (starts, lines []int) {
	s := scanner{src: src}
	if !s.scan(false) || s.depth != 0 || s.broken {
		return nil, nil
	}
	s.itemEnd()
	return s.starts, s.lines
}

type scanner struct {
	src    []byte
	i      int
	depth  int // brackets open outside any string
	starts []int
	lines  []int
	kept   int // how many lines the items before the current one keep
	broken bool
}

// itemEnd drops the lines of the top-level item that ends at s.i if it is
// small: only those of large items are used, and an item's lines take
// more memory than its start.
func (s *scanner) itemEnd() {
	if n := len(s.starts); n > 0 && s.i-s.starts[n-1] < bigItemBytes {
		s.lines = s.lines[:s.kept]
	}
	s.kept = len(s.lines)
}

// scan reads code: the body of the file, or inside a template
// interpolation (inside, true) up to the brace that closes it. It returns
// false on anything unexpected.
func (s *scanner) scan(inside bool) bool {
	src := s.src
	base := s.depth
	lineStart := !inside
	for s.i < len(src) {
		c := src[s.i]
		if lineStart { // never inside
			switch {
			case s.depth == 0 && isNameStart(c):
				s.itemEnd()
				s.starts = append(s.starts, s.i)
			case s.depth == 1:
				s.lines = append(s.lines, s.i)
			}
		}
		lineStart = false
		switch {
		case c == '\n':
			lineStart = !inside
			s.i++
		case c == '#' || c == '/' && s.next('/'):
			j := bytes.IndexByte(src[s.i:], '\n')
			if j < 0 {
				s.i = len(src)
			} else {
				s.i += j // the newline itself starts the next line
			}
		case c == '/' && s.next('*'):
			j := bytes.Index(src[s.i+2:], []byte("*/"))
			if j < 0 {
				return false
			}
			s.i += 2 + j + 2
		case c == '"':
			s.i++
			if !s.quoted() {
				return false
			}
		case c == '<' && s.next('<'):
			if !s.heredoc() {
				s.i += 2
			}
		case c == '{' || c == '(' || c == '[':
			s.depth++
			s.i++
		case c == '}' || c == ')' || c == ']':
			if inside && s.depth == base && c == '}' {
				s.i++
				return true
			}
			s.depth--
			if s.depth < base {
				return false
			}
			s.i++
		default:
			// The bytes that follow and mean nothing to the scan, at once.
			s.i++
			for s.i < len(src) && scanPlain[src[s.i]] {
				s.i++
			}
		}
	}
	return !inside
}

// scanPlain tells which bytes mean nothing to scan: all but newlines and
// the bytes that may start a comment, a string, a heredoc or a bracket.
var scanPlain = func() (plain [256]bool) {
	for c := range plain {
		plain[c] = true
	}
	for _, c := range "\n#/\"<{}()[]" {
		plain[c] = false
	}
	return plain
}()

func (s *scanner) next(c byte) bool { return s.i+1 < len(s.src) && s.src[s.i+1] == c }

// quoted skips a quoted string, s.i just after its opening quote.
func (s *scanner) quoted() bool {
	src := s.src
	for s.i < len(src) {
		switch c := src[s.i]; {
		case c == '"':
			s.i++
			return true
		case c == '\n':
			return false
		case c == '\\':
			s.i += 2
		case (c == '$' || c == '%') && s.next(c) && s.i+2 < len(src) && src[s.i+2] == '{':
			s.i += 3 // $${ and %%{ are literal
		case (c == '$' || c == '%') && s.next('{'):
			s.i += 2
			if !s.scan(true) {
				return false
			}
		default:
			s.i++
			for s.i < len(src) && plainInString[src[s.i]] {
				s.i++
			}
		}
	}
	return false
}

// heredoc skips a heredoc template, s.i at its <<. It returns false, with
// s.i unchanged, when what follows << is not a heredoc's opening line.
func (s *scanner) heredoc() bool {
	src := s.src
	j := s.i + 2
	if j < len(src) && src[j] == '-' {
		j++
	}
	k := j
	for k < len(src) && isNameByte(src[k]) {
		k++
	}
	marker := src[j:k]
	if len(marker) == 0 {
		return false
	}
	if k < len(src) && src[k] == '\r' {
		k++
	}
	if k >= len(src) || src[k] != '\n' {
		return false
	}
	// The lines that follow, up to one holding the marker alone (maybe
	// indented, or followed by spaces); the scan goes on at the newline
	// that ends it.
	for line := k + 1; line < len(src); {
		end := bytes.IndexByte(src[line:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += line
		}
		text := bytes.Trim(src[line:end], " \t\r")
		if bytes.Equal(text, marker) {
			s.i = end
			return true
		}
		line = end + 1
	}
	// No end: HCL reports it; the file is read whole.
	s.broken = true
	s.i = len(src)
	return true
}
