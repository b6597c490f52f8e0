package lang

import (
	"bytes"

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

// chunkBytes is about how many bytes of guest blocks one chunk holds.
// Small chunks keep the lexer's token slice small. (A variable for the
// tests, which cut at every item.)
var chunkBytes = 2 << 10

// A chunk is a run of whole top-level items of a native file.
type chunk struct {
	name  string
	src   []byte  // the chunk's bytes, part of the file's
	start hcl.Pos // where src starts in the file
	// guest is true when the chunk holds guest blocks only (as far as the
	// scan can tell): it is parsed when its guests are decoded.
	guest bool
}

// parse parses the chunk alone. ok is false when HCL reports anything: the
// file must then be read whole.
func (c *chunk) parse() (hcl.Blocks, bool) {
	// fastParse gives the body ParseConfig would, or gives up (see
	// fastparse.go). Only the body is used: the file it would be part of
	// is dropped.
	var body hcl.Body
	if b, ok := fastParse(c.src, c.name, c.start); ok {
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

// splitFile cuts a native file into chunks: runs of guest blocks of about
// chunkBytes, and runs of other items. It returns one chunk, not marked
// guest, when it finds no place to cut.
func splitFile(name string, src []byte) []chunk {
	starts := itemStarts(src)
	if len(starts) == 0 {
		return []chunk{{name: name, src: src, start: hcl.InitialPos}}
	}
	var out []chunk
	pos := hcl.InitialPos
	for i, at := range starts {
		guest := isGuestItem(src, at)
		if i > 0 {
			last := &out[len(out)-1]
			if guest == last.guest && (!guest || at-last.start.Byte < chunkBytes) {
				continue // the item joins the chunk
			}
			last.src = src[last.start.Byte:at]
			pos.Line += bytes.Count(src[pos.Byte:at], []byte{'\n'})
			pos.Byte = at
		}
		// The first chunk starts at 0, with what comes before the first
		// item (comments).
		out = append(out, chunk{name: name, start: pos, guest: guest})
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
// strings and heredocs), nil when the scan finds something it does not
// follow.
func itemStarts(src []byte) []int {
	s := scanner{src: src}
	if !s.scan(false) || s.depth != 0 || s.broken {
		return nil
	}
	return s.starts
}

type scanner struct {
	src    []byte
	i      int
	depth  int // brackets open outside any string
	starts []int
	broken bool
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
		if lineStart && s.depth == 0 && !inside && (c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			s.starts = append(s.starts, s.i)
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
			s.i++
		}
	}
	return !inside
}

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
	for k < len(src) && (src[k] == '_' || src[k] == '-' || src[k]|0x20 >= 'a' && src[k]|0x20 <= 'z' || src[k] >= '0' && src[k] <= '9') {
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
