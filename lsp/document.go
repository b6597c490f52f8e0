package lsp

import (
	"net/url"
	"path/filepath"
	"strings"
	"sync"

	"vsc/lang"
)

// document is an open editor buffer. Its content changes only in the
// reader goroutine (didOpen, didChange); handlers read it through
// snapshot, which copies what they need under the server's lock.
type document struct {
	uri     string
	path    string // "" for a URI that is not a file
	version int
	src     []byte

	// outline is the token outline of src, built once per version when a
	// handler first needs it; cache holds the tokens of the document's
	// last outline, shared by its versions.
	cache   *tokenCache
	once    sync.Once
	outline *outline
	text    *text
}

func newDocument(uri, path string, version int, src []byte) *document {
	return &document{uri: uri, path: path, version: version, src: src, cache: &tokenCache{}}
}

// parsed returns the outline and line index of the document's content.
// A document is never changed in place (an edit makes a new document), so
// the result stays valid for the handler that asked.
func (d *document) parsed() (*outline, *text) {
	d.once.Do(func() {
		d.text = newText(d.src)
		d.outline = parseOutlineCached(d.path, d.src, d.cache)
	})
	return d.outline, d.text
}

// isJSON tells a document in HCL's JSON syntax, which gets diagnostics
// only: the other features read native-syntax tokens.
func (d *document) isJSON() bool {
	return strings.HasSuffix(d.path, ".json") || strings.HasSuffix(d.uri, ".json")
}

// apply returns the document after a didChange: each change replaces its
// range (in encoding enc), or the whole text when it has none.
func (d *document) apply(version int, changes []contentChange, enc encoding) *document {
	src := d.src
	for _, c := range changes {
		if c.Range == nil {
			src = []byte(c.Text)
			continue
		}
		t := newText(src)
		start, end := t.offset(c.Range.Start, enc), t.offset(c.Range.End, enc)
		if end < start {
			start, end = end, start
		}
		next := make([]byte, 0, len(src)-(end-start)+len(c.Text))
		next = append(next, src[:start]...)
		next = append(next, c.Text...)
		next = append(next, src[end:]...)
		src = next
	}
	next := newDocument(d.uri, d.path, version, src)
	next.cache = d.cache
	return next
}

// configPath is the path lang.Load reads for a file: its folder when the
// file is part of a configuration folder (*.vsc.hcl, *.vsc.json), else
// the file alone.
func configPath(path string) string {
	if strings.HasSuffix(path, lang.SuffixNative) || strings.HasSuffix(path, lang.SuffixJSON) {
		return filepath.Dir(path)
	}
	return path
}

// uriToPath returns the file path of a file: URI, "" for other schemes.
func uriToPath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	p := u.Path
	if p == "" {
		return ""
	}
	return filepath.Clean(filepath.FromSlash(p))
}

// pathToURI returns the file: URI of an absolute path.
func pathToURI(path string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	return u.String()
}
