package lsp

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"

	"vsc/docs"
)

// Hover and completion show the text of docs/language.md, the one
// reference of the language: a block's section, an attribute's row of the
// section's tables. Sections are found by their headings, whose first
// code span names the block (`## 4. `host``, `### `vlan "NAME"``); a
// heading without one (`### Attributes`) adds to the section above it.

// section is the documentation of one block type.
type section struct {
	title string
	prose string
	rows  map[string]string // attribute (or value) name → rendered row
}

type docIndex struct {
	sections map[string]*section // key: block types joined by "/"
}

var (
	docsOnce sync.Once
	docsIdx  *docIndex
)

// langDocs returns the index of docs/language.md.
func langDocs() *docIndex {
	docsOnce.Do(func() {
		src, err := fs.ReadFile(docs.FS, "language.md")
		if err != nil {
			docsIdx = &docIndex{sections: map[string]*section{}}
			return
		}
		docsIdx = parseDocs(string(src))
	})
	return docsIdx
}

var (
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	numbering  = regexp.MustCompile(`^[0-9]+\. `)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// keyOf returns the name a heading or first table cell documents: the
// first word of its code span; "" without one. Cells must start with the
// code span, so that a row such as "an attribute (`nice`, …)" documents
// nothing.
func keyOf(s string, mustStart bool) string {
	s = strings.TrimSpace(s)
	if mustStart && !strings.HasPrefix(s, "`") {
		return ""
	}
	m := codeSpan.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == '{' || r == '(' })[0]
}

func parseDocs(src string) *docIndex {
	idx := &docIndex{sections: map[string]*section{}}
	var (
		k2      string   // key of the level-2 section
		cur     *section // section receiving text, nil outside any
		prose   []string
		header  []string // the current table's header cells
		inCode  bool
		inTable bool
	)
	flush := func() {
		if cur != nil {
			cur.prose = strings.TrimSpace(cur.prose + "\n\n" + strings.TrimSpace(strings.Join(prose, "\n")))
			cur.prose = blankLines.ReplaceAllString(clean(cur.prose), "\n\n")
		}
		prose = nil
	}
	// dropIntro removes the paragraph that introduces a table ("`route`
	// (no label):"), which means nothing once the table is left out.
	dropIntro := func() {
		n := len(prose)
		for n > 0 && strings.TrimSpace(prose[n-1]) == "" {
			n--
		}
		if n == 0 || !strings.HasSuffix(strings.TrimSpace(prose[n-1]), ":") {
			return
		}
		for n > 0 && strings.TrimSpace(prose[n-1]) != "" {
			n--
		}
		prose = prose[:n]
	}
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		if strings.HasPrefix(line, "#") {
			flush()
			level := len(line) - len(strings.TrimLeft(line, "#"))
			title := strings.TrimSpace(line[level:])
			k := keyOf(title, false)
			var key string
			switch {
			case level == 2:
				k2 = k
				key = k
			case level == 3 && k == "":
				key = k2 // "### Attributes" adds to its section
			case level == 3 && k2 == "":
				key = k
			case level == 3:
				key = k2 + "/" + k
			}
			cur = nil
			if key != "" {
				if idx.sections[key] == nil {
					idx.sections[key] = &section{title: clean(numbering.ReplaceAllString(title, "")), rows: map[string]string{}}
				}
				cur = idx.sections[key]
			}
			inTable = false
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(line, "|") {
			cells := splitRow(line)
			switch {
			case !inTable:
				header, inTable = cells, true
				dropIntro()
			case len(cells) > 0 && strings.Trim(cells[0], "-: ") == "":
				// the separator row
			default:
				if k := keyOf(cells[0], true); k != "" {
					if _, dup := cur.rows[k]; !dup {
						cur.rows[k] = renderRow(header, cells)
					}
				}
			}
			continue
		}
		inTable = false
		prose = append(prose, line)
	}
	flush()
	return idx
}

// splitRow splits a table row into its cells.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	line = strings.ReplaceAll(line, `\|`, "\x00")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
	}
	return cells
}

// renderRow shows a table row as text: its meaning as a paragraph, the
// other columns as "header: value" lines.
func renderRow(header, cells []string) string {
	var b strings.Builder
	var meaning string
	for i := 1; i < len(cells) && i < len(header); i++ {
		c := clean(cells[i])
		if c == "" || c == "—" {
			continue
		}
		h := clean(header[i])
		if h == "meaning" || h == "meaning → plan" || h == "" {
			meaning = c
			continue
		}
		fmt.Fprintf(&b, "- %s: %s\n", h, c)
	}
	if meaning != "" {
		return strings.TrimSpace(meaning + "\n\n" + b.String())
	}
	return strings.TrimSpace(b.String())
}

// clean drops link targets, which mean nothing outside the docs folder.
func clean(s string) string {
	return strings.TrimSpace(mdLink.ReplaceAllString(s, "$1"))
}

// docPath maps a block path to the section that documents it: the blocks
// inside defaults are guest blocks.
func docPath(path []string) []string {
	if len(path) > 1 && path[0] == "defaults" {
		return append([]string{"guest"}, path[1:]...)
	}
	return path
}

// section returns the section of a block path, or of the nearest block
// around it that has one (a route is documented with its table).
func (d *docIndex) section(path []string) (*section, bool) {
	for p := docPath(path); len(p) > 0; p = p[:len(p)-1] {
		if s := d.sections[strings.Join(p, "/")]; s != nil {
			return s, len(p) == len(docPath(path))
		}
	}
	return nil, false
}

// extraDocs documents what language.md leaves to Terraform's users.
var extraDocs = map[string]string{
	"variable/validation/condition":     "An expression that must be true for the variable's value; it may refer to the variable (`var.NAME`) and call functions.",
	"variable/validation/error_message": "The message reported, as a `variable-invalid` error at the value, when `condition` is false.",
}

// attrDoc returns the documentation of attribute name in a block at path.
func (d *docIndex) attrDoc(path []string, name string) string {
	if t, ok := extraDocs[strings.Join(append(append([]string{}, path...), name), "/")]; ok {
		return t
	}
	if len(path) == 1 && path[0] == "defaults" {
		path = []string{"guest"} // defaults hold guest attributes
	}
	if s, _ := d.section(path); s != nil {
		return s.rows[name]
	}
	return ""
}

// blockDoc returns the documentation of the block at path: its section's
// title and prose, or its row in the section of the block around it.
func (d *docIndex) blockDoc(path []string) string {
	s, own := d.section(path)
	if s == nil {
		return ""
	}
	if own {
		return "**" + s.title + "**\n\n" + shorten(s.prose, 1500)
	}
	return s.rows[path[len(path)-1]]
}

// shorten cuts text at a paragraph boundary after about n bytes.
func shorten(text string, n int) string {
	if len(text) <= n {
		return text
	}
	if i := strings.LastIndex(text[:n], "\n\n"); i > 0 {
		return text[:i] + "\n\n…"
	}
	return text[:n] + "…"
}
