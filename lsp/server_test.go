package lsp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vsc/internal/benchgen"
)

// A burst of changes to a large configuration, with requests in between:
// the reader never waits for a check, a request for a small document is
// answered while a slow one loads the large configuration, stale results
// are dropped (the versions published only grow, ending with the last),
// and cancelled requests are answered. Run it with -race.
func TestConcurrentChanges(t *testing.T) {
	dir := t.TempDir()
	if _, err := benchgen.Write(dir, benchgen.Options{Guests: 300}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "guests-0001.vsc.hcl")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := startInProcess(t, DefaultDebounce)
	defer c.close()
	uri := pathToURI(path)
	small := pathToURI(filepath.Join(t.TempDir(), "small.vsc.hcl"))
	c.send("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": small, "version": 1, "text": "guest \"a\" {\ncontext=2\n}\n"}})
	c.send("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 1, "text": string(src)}})

	// A hover on a reference needs the configuration loaded; the
	// formatting of the small document, asked after it, needs nothing and
	// comes first.
	ref := newText(src).position(bytes.LastIndex(src, []byte(`host     = "`))+13, encUTF16)
	c.ask(100, "textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": ref})
	c.ask(101, "textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": small}})
	var order []string
	for len(order) < 2 {
		if m := c.next(); len(m.ID) > 0 {
			order = append(order, string(m.ID))
			if string(m.ID) == "100" && !strings.Contains(string(m.Result), "host \\\"srv1\\\"") {
				t.Errorf("hover on a guest's host: %s", m.Result)
			}
		}
	}
	if order[0] != "101" {
		t.Errorf("responses in order %v: the formatting waited for the hover", order)
	}

	// Twenty changes in a row, each followed by a request that is
	// cancelled at once.
	version := 1
	for i := 0; i < 20; i++ {
		version++
		c.send("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": version},
			"contentChanges": []any{map[string]any{"range": Range{Position{0, 0}, Position{0, 0}}, "text": "#\n"}}})
		id := 200 + i
		c.ask(id, "textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": Position{3, 4}})
		c.send("$/cancelRequest", map[string]any{"id": id})
	}
	answered := map[string]bool{}
	last := 0
	for {
		m := c.next()
		if len(m.ID) > 0 {
			answered[string(m.ID)] = true
			if m.Error != nil && m.Error.Code != codeRequestCancelled {
				t.Errorf("request %s: %v", m.ID, m.Error)
			}
			continue
		}
		if m.Method != "textDocument/publishDiagnostics" {
			continue
		}
		var p publishDiagnosticsParams
		json.Unmarshal(m.Params, &p)
		if p.URI != uri || p.Version == nil {
			continue
		}
		if *p.Version < last {
			t.Errorf("version %d published after version %d", *p.Version, last)
		}
		last = *p.Version
		if last == version {
			break
		}
	}
	// Every request is answered, cancelled or not.
	for len(answered) < 20 {
		if m := c.next(); len(m.ID) > 0 {
			answered[string(m.ID)] = true
		}
	}
	for i := 0; i < 20; i++ {
		if !answered[strconv.Itoa(200+i)] {
			t.Errorf("request %d not answered", 200+i)
		}
	}
}
