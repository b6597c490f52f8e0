package lsp_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostFile, varsFile and guestFile make a configuration whose references
// cross files.
const hostFile = `host "srv1" {
  interface "eth0" {
    addresses = ["192.168.44.10/24"]
  }

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }

  table "vlan7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0.7"
    }
  }

  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }

  filesystem "/var/lib/vservers" {
    device  = "/dev/vservers/guests"
    type    = "ext4"
    options = ["tagxid"]
  }
}
`

const varsFile = `variable "subnet" {
  type        = string
  default     = "10.7.0.0/16"
  description = "The guests' network."
}

locals {
  base = 300
}
`

const guestFile = `guest "web" {
  host     = "srv1"
  context  = local.base
  hostname = "web.example.org"

  interface "0" {
    dev = "eth0.7"
    ip  = cidrhost(var.subnet, 2)
  }

  disk_limit {
    space_total = "200MiB"
  }
}
`

func TestDiagnosticsPositions(t *testing.T) {
	// The error is after a comment holding 2-byte (é), 3-byte (☕) and
	// 4-byte (😀, two UTF-16 units) characters on the same line.
	const guest = "guest \"web\" {\n  context = 300\n  nice    = /* café ☕ 😀 */ 99\n}\n"
	for _, utf8 := range []bool{false, true} {
		name := "utf-16"
		if utf8 {
			name = "utf-8"
		}
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"host.vsc.hcl": hostFile})
			c := startInit(t, utf8)
			uri := c.open(filepath.Join(dir, "guest.vsc.hcl"), guest)
			p := c.diagnostics(uri, version(1))
			if len(p.Diagnostics) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %+v", len(p.Diagnostics), p.Diagnostics)
			}
			d := p.Diagnostics[0]
			want := rng{at(t, guest, "99", 0, utf8), at(t, guest, "99", 2, utf8)}
			if d.Range != want {
				t.Errorf("range = %+v, want %+v", d.Range, want)
			}
			if !utf8 && want.Start.Character != 28 {
				t.Fatalf("test bug: the UTF-16 column is %d", want.Start.Character)
			}
			if d.Code != "value-range" || d.Severity != 1 || d.Source != "vsc" {
				t.Errorf("code, severity, source = %q, %d, %q; want value-range, 1 (error), vsc", d.Code, d.Severity, d.Source)
			}

			// Fix it with an incremental change: the list is emptied.
			c.change(uri, 2, &want, "5")
			if p := c.diagnostics(uri, version(2)); len(p.Diagnostics) != 0 {
				t.Errorf("after the fix: %+v, want no diagnostics", p.Diagnostics)
			}
			if code := c.shutdown(); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
		})
	}
}

func TestDiagnosticsRelatedAndCleared(t *testing.T) {
	const a = "guest \"a\" {\n  context = 300\n}\n"
	const b = "guest \"b\" {\n  context = 300\n}\n"
	dir := writeFiles(t, map[string]string{"host.vsc.hcl": hostFile, "a.vsc.hcl": a})
	c := startInit(t, false)
	aURI, bURI := fileURI(filepath.Join(dir, "a.vsc.hcl")), c.open(filepath.Join(dir, "b.vsc.hcl"), b)

	// The conflict is reported at b's context, the other site at a's,
	// in a file that is not open.
	p := c.diagnostics(bURI, version(1))
	if len(p.Diagnostics) != 1 || p.Diagnostics[0].Code != "context-conflict" {
		t.Fatalf("diagnostics of b: %+v, want one context-conflict", p.Diagnostics)
	}
	d := p.Diagnostics[0]
	if d.Range != (rng{at(t, b, "300", 0, false), at(t, b, "300", 3, false)}) {
		t.Errorf("range %+v is not b's 300", d.Range)
	}
	if len(d.RelatedInformation) != 1 {
		t.Fatalf("relatedInformation = %+v, want a's context", d.RelatedInformation)
	}
	if r := d.RelatedInformation[0].Location; r.URI != aURI || r.Range != (rng{at(t, a, "300", 0, false), at(t, a, "300", 3, false)}) {
		t.Errorf("related location = %+v, want %s at a's 300", r, aURI)
	}

	// Give b its own context: its list is emptied.
	c.change(bURI, 2, nil, strings.Replace(b, "300", "301", 1))
	if p := c.diagnostics(bURI, version(2)); len(p.Diagnostics) != 0 {
		t.Errorf("after the fix: %+v", p.Diagnostics)
	}

	// A document sorting before a.vsc.hcl declares guest "a" too: the
	// duplicate is a's, a file that is not open, and it is published for
	// that file, then cleared when the document renames its guest.
	zero := "guest \"a\" {\n  context = 302\n}\n"
	zeroURI := c.open(filepath.Join(dir, "0.vsc.hcl"), zero)
	p = c.diagnostics(aURI, func(p publication) bool { return len(p.Diagnostics) > 0 })
	if d := p.Diagnostics[0]; d.Code != "schema" || d.Range.Start != at(t, a, `"a"`, 0, false) ||
		len(d.RelatedInformation) != 1 || d.RelatedInformation[0].Location.URI != zeroURI {
		t.Errorf("duplicate guest: %+v", p.Diagnostics)
	}
	if p.Version != nil {
		t.Errorf("a file that is not open published with version %d", *p.Version)
	}
	c.change(zeroURI, 2, nil, strings.Replace(zero, `"a"`, `"z"`, 1))
	c.diagnostics(aURI, func(p publication) bool { return len(p.Diagnostics) == 0 })

	// Closing the last open documents of the folder clears what was
	// published for it.
	c.change(bURI, 3, nil, b)
	c.diagnostics(bURI, func(p publication) bool { return p.Version != nil && *p.Version == 3 && len(p.Diagnostics) == 1 })
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": zeroURI}})
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": bURI}})
	c.diagnostics(bURI, func(p publication) bool { return len(p.Diagnostics) == 0 })
	if code := c.shutdown(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// referenceConfig is the cross-file configuration, with the guest file
// open.
func referenceConfig(t *testing.T) (*client, string, string) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"host.vsc.hcl": hostFile, "vars.vsc.hcl": varsFile})
	c := startInit(t, false)
	uri := c.open(filepath.Join(dir, "guest.vsc.hcl"), guestFile)
	if p := c.diagnostics(uri, version(1)); len(p.Diagnostics) != 0 {
		t.Fatalf("the configuration is not clean: %+v", p.Diagnostics)
	}
	return c, dir, uri
}

type hoverResult struct {
	Contents struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"contents"`
	Range *rng `json:"range"`
}

func TestHover(t *testing.T) {
	c, _, uri := referenceConfig(t)
	for _, tc := range []struct {
		needle string
		n      int
		want   []string
	}{
		{"disk_limit", 3, []string{"space_total", "tagxid"}},                 // a block type: its docs, its attributes
		{"context", 2, []string{"context id", "2..49151", "required"}},       // an attribute
		{"hostname", 0, []string{"RFC 1123"}},                                // another one
		{"space_total", 4, []string{"KiB"}},                                  // an attribute of a nested block
		{"var.subnet", 5, []string{`"10.7.0.0/16"`, "The guests' network"}},  // a variable: its value
		{"local.base", 7, []string{"300", "local.base"}},                     // a local
		{`"eth0.7"`, 3, []string{"vlan \"eth0.7\"", "id 7", "host.vsc.hcl"}}, // a link
		{`"srv1"`, 2, []string{"host \"srv1\"", "1 guest"}},                  // a host
	} {
		var h *hoverResult
		c.call("textDocument/hover", docPos(uri, at(t, guestFile, tc.needle, tc.n, false)), &h)
		if h == nil {
			t.Errorf("hover on %s: nothing", tc.needle)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(h.Contents.Value, w) {
				t.Errorf("hover on %s lacks %q:\n%s", tc.needle, w, h.Contents.Value)
			}
		}
		if h.Contents.Kind != "markdown" || h.Range == nil {
			t.Errorf("hover on %s: kind %q, range %v", tc.needle, h.Contents.Kind, h.Range)
		}
	}
	// Nothing under the cursor: a null result.
	var h *hoverResult
	c.call("textDocument/hover", docPos(uri, pos{0, 0}), &h)
	c.call("textDocument/hover", docPos(uri, at(t, guestFile, "200MiB", 2, false)), &h)
	if h != nil {
		t.Errorf("hover on a size: %+v, want null", h)
	}
}

func TestDefinition(t *testing.T) {
	c, dir, uri := referenceConfig(t)
	hostURI, varsURI := fileURI(filepath.Join(dir, "host.vsc.hcl")), fileURI(filepath.Join(dir, "vars.vsc.hcl"))
	for _, tc := range []struct {
		from     string
		n        int
		uri      string
		src, def string
	}{
		{`"eth0.7"`, 2, hostURI, hostFile, `"eth0.7" {`},
		{`"srv1"`, 1, hostURI, hostFile, `"srv1"`},
		{"var.subnet", 6, varsURI, varsFile, `"subnet"`},
		{"local.base", 0, varsURI, varsFile, "base"},
	} {
		var locs []location
		c.call("textDocument/definition", docPos(uri, at(t, guestFile, tc.from, tc.n, false)), &locs)
		if len(locs) != 1 {
			t.Errorf("definition of %s: %+v, want one location", tc.from, locs)
			continue
		}
		def := strings.TrimSuffix(tc.def, " {")
		want := location{tc.uri, rng{at(t, tc.src, tc.def, 0, false), at(t, tc.src, tc.def, len(def), false)}}
		if locs[0] != want {
			t.Errorf("definition of %s = %+v, want %+v", tc.from, locs[0], want)
		}
	}

	// Within the host file: a rule's table, a route's dev.
	hostDoc := c.open(filepath.Join(dir, "host.vsc.hcl"), hostFile)
	for _, tc := range []struct{ from, def string }{
		{`table = "vlan7"`, `"vlan7" {`},
		{`dev = "eth0.7"`, `"eth0.7" {`},
	} {
		var locs []location
		c.call("textDocument/definition", docPos(hostDoc, at(t, hostFile, tc.from, len(tc.from)-3, false)), &locs)
		def := strings.TrimSuffix(tc.def, " {")
		want := location{hostURI, rng{at(t, hostFile, tc.def, 0, false), at(t, hostFile, tc.def, len(def), false)}}
		if len(locs) != 1 || locs[0] != want {
			t.Errorf("definition of %s = %+v, want %+v", tc.from, locs, want)
		}
	}
	// Not a reference: no location.
	var locs []location
	c.call("textDocument/definition", docPos(uri, at(t, guestFile, "web.example", 1, false)), &locs)
	if len(locs) != 0 {
		t.Errorf("definition of a hostname: %+v", locs)
	}
}

type completionResult struct {
	Items []struct {
		Label    string `json:"label"`
		TextEdit struct {
			Range   rng    `json:"range"`
			NewText string `json:"newText"`
		} `json:"textEdit"`
	} `json:"items"`
}

func (r completionResult) labels() []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestCompletion(t *testing.T) {
	dir := writeFiles(t, map[string]string{"vars.vsc.hcl": varsFile})
	c := startInit(t, false)
	host := strings.Replace(hostFile, "table = \"vlan7\"\n  }\n", "table = \"\"\n  }\n\n", 1)
	hostURI := c.open(filepath.Join(dir, "host.vsc.hcl"), host)
	// The guest is being typed: the last line does not parse yet.
	const guest = `guest "web" {
  context = local.base
  host    = ""
  flags   = ["virt_mem", ""]

  build {
    method = ""
  }

  init {
    style = ""
  }

  reboot {
    action = ""
  }

  capabilities {
    add = ["NET_"]
  }

  interface "0" {
    dev = ""

  }

  disk_limit {

  }

  nice = var.
}

`
	uri := c.open(filepath.Join(dir, "guest.vsc.hcl"), guest)
	c.diagnostics(uri, version(1))

	complete := func(uri string, p pos) completionResult {
		t.Helper()
		var r completionResult
		c.call("textDocument/completion", docPos(uri, p), &r)
		return r
	}
	for _, tc := range []struct {
		what      string
		uri, src  string
		needle    string
		n         int
		want, not []string
	}{
		{"top level", uri, guest, "nice = var.\n}\n\n", 15, []string{"guest", "host", "variable", "locals", "defaults"}, nil},
		{"guest", uri, guest, "]\n\n", 2, []string{"hostname", "root", "for_each", "uts", "mount", "interface"}, []string{"context", "build", "flags", "disk_limit"}},
		{"host", hostURI, host, "table = \"\"\n  }\n\n", 17, []string{"vlan", "table", "rule", "filesystem", "vservers_dir", "interface"}, []string{"context"}},
		{"guest interface", uri, guest, "dev = \"\"\n\n", 9, []string{"ip", "name"}, []string{"dev", "context"}},
		{"disk_limit", uri, guest, "disk_limit {\n\n", 13, []string{"space_total", "inodes_total", "reserved", "directory"}, nil},
		{"build.method", uri, guest, `method = ""`, 10, []string{"debootstrap", "yum", "template", "rsync", "skeleton", "clone"}, nil},
		{"init.style", uri, guest, `style = ""`, 9, []string{"sysv", "plain", "fakeinit", "none"}, nil},
		{"reboot.action", uri, guest, `action = ""`, 10, []string{"restart", "halt", "none"}, nil},
		{"flags", uri, guest, `, ""]`, 3, []string{"virt_uptime", "hide_netif"}, []string{"virt_mem"}},
		{"capabilities", uri, guest, `"NET_"`, 5, []string{"NET_ADMIN", "NET_RAW", "SYS_ADMIN"}, nil},
		{"host", uri, guest, `host    = ""`, 11, []string{"srv1"}, nil},
		{"dev", uri, guest, `dev = ""`, 7, []string{"eth0", "eth0.7"}, nil},
		{"rule table", hostURI, host, `table = ""`, 9, []string{"vlan7"}, nil},
		{"var.", uri, guest, "var.", 4, []string{"subnet"}, nil},
		{"local.", uri, guest, "local.", 6, []string{"base"}, nil},
	} {
		r := complete(tc.uri, at(t, tc.src, tc.needle, tc.n, false))
		got := r.labels()
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("completion in %s lacks %q: %v", tc.what, w, got)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("completion in %s offers %q: %v", tc.what, w, got)
			}
		}
	}

	// A value typed in a string is replaced whole, quotes kept.
	r := complete(uri, at(t, guest, `"NET_"`, 5, false))
	for _, it := range r.Items {
		if it.Label == "NET_ADMIN" {
			want := rng{at(t, guest, `"NET_"`, 1, false), at(t, guest, `"NET_"`, 5, false)}
			if it.TextEdit.NewText != "NET_ADMIN" || it.TextEdit.Range != want {
				t.Errorf("NET_ADMIN edit = %+v, want NET_ADMIN over %+v", it.TextEdit, want)
			}
		}
	}
	// Outside quotes, a value comes with its quotes.
	const bare = "guest \"x\" {\n  context = 2\n  build {\n    method = \n  }\n}\n"
	bareURI := c.open(filepath.Join(dir, "bare.vsc.hcl"), bare)
	r = complete(bareURI, at(t, bare, "method = ", 9, false))
	found := false
	for _, it := range r.Items {
		if it.Label == "clone" {
			found = true
			if it.TextEdit.NewText != `"clone"` {
				t.Errorf("clone inserts %q, want it quoted", it.TextEdit.NewText)
			}
		}
	}
	if !found {
		t.Errorf("no build methods after `method = `: %v", r.labels())
	}
}

func TestFormatting(t *testing.T) {
	const messy = "guest \"web\" {\ncontext = 300\n    hostname=\"web.example.org\"\n  flags = [ \"virt_mem\" ]\n}\n"
	dir := writeFiles(t, map[string]string{"guest.vsc.hcl": messy})
	c := startInit(t, false)
	uri := c.open(filepath.Join(dir, "guest.vsc.hcl"), messy)
	var edits []struct {
		Range   rng    `json:"range"`
		NewText string `json:"newText"`
	}
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{"tabSize": 2, "insertSpaces": true}}, &edits)
	if len(edits) != 1 || edits[0].Range.Start != (pos{0, 0}) || edits[0].Range.End != (pos{5, 0}) {
		t.Fatalf("edits = %+v, want one replacing the document", edits)
	}
	// The same text as vsc fmt writes.
	if out, err := exec.Command(vscBin, "fmt", dir).CombinedOutput(); err != nil {
		t.Fatalf("vsc fmt: %v: %s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "guest.vsc.hcl"))
	if edits[0].NewText != string(want) {
		t.Errorf("formatted:\n%s\nvsc fmt:\n%s", edits[0].NewText, want)
	}
	// A formatted document needs no edit; one that does not parse gets none.
	c.change(uri, 2, nil, string(want))
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}}, &edits)
	if len(edits) != 0 {
		t.Errorf("formatted document: edits %+v", edits)
	}
	c.change(uri, 3, nil, "guest \"web\" {\n  context =\n")
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}}, &edits)
	if len(edits) != 0 {
		t.Errorf("broken document: edits %+v", edits)
	}
}

type symbol struct {
	Name     string   `json:"name"`
	Detail   string   `json:"detail"`
	Kind     int      `json:"kind"`
	Children []symbol `json:"children"`
}

func TestDocumentSymbol(t *testing.T) {
	c, dir, uri := referenceConfig(t)
	hostURI := c.open(filepath.Join(dir, "host.vsc.hcl"), hostFile)
	var syms []symbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": hostURI}}, &syms)
	if len(syms) != 1 || syms[0].Name != "srv1" || syms[0].Detail != "host" {
		t.Fatalf("symbols = %+v, want host srv1", syms)
	}
	var names []string
	for _, ch := range syms[0].Children {
		names = append(names, ch.Name)
	}
	if want := []string{"eth0", "eth0.7", "vlan7", "rule", "/var/lib/vservers"}; !slices.Equal(names, want) {
		t.Errorf("host children = %v, want %v", names, want)
	}
	if tbl := syms[0].Children[2]; len(tbl.Children) != 1 || tbl.Children[0].Name != "route" || !strings.Contains(tbl.Children[0].Detail, "10.7.0.0/16") {
		t.Errorf("table children = %+v, want its route", tbl.Children)
	}
	var guestSyms []symbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}}, &guestSyms)
	if len(guestSyms) != 1 || guestSyms[0].Name != "web" || guestSyms[0].Detail != "guest" || len(guestSyms[0].Children) != 2 {
		t.Errorf("guest file symbols = %+v", guestSyms)
	}
}

func TestRobustness(t *testing.T) {
	c := start(t)
	// Before initialize: requests are refused, notifications dropped.
	if code := c.callErr("textDocument/hover", docPos("file:///x.vsc.hcl", pos{0, 0})); code != -32002 {
		t.Errorf("hover before initialize: code %d, want -32002", code)
	}
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "file:///nowhere/x.vsc.hcl", "version": 1, "text": "x"}})

	// Malformed JSON: a parse error, with a null id.
	ch := make(chan *msg, 1)
	c.mu.Lock()
	c.waiting["null"] = ch
	c.mu.Unlock()
	c.write([]byte(`{"jsonrpc": "2.0", "id": `))
	if m := c.wait(ch, "the malformed message"); m.Error == nil || m.Error.Code != -32700 {
		t.Errorf("malformed JSON: %+v", m)
	}
	// A header line without a colon, and a frame without Content-Length,
	// are skipped.
	c.in.Write([]byte("garbage\r\n\r\n"))
	c.in.Write([]byte("Content-Type: x\r\n\r\n"))

	startInitOn(t, c)
	if code := c.callErr("vsc/noSuchMethod", map[string]any{}); code != -32601 {
		t.Errorf("unknown method: code %d, want -32601", code)
	}
	c.notify("vsc/noSuchNotification", map[string]any{})
	if code := c.callErr("textDocument/hover", "not an object"); code != -32602 {
		t.Errorf("bad params: code %d, want -32602", code)
	}
	if code := c.callErr("initialize", map[string]any{}); code != -32600 {
		t.Errorf("second initialize: code %d, want -32600", code)
	}

	// Broken documents: diagnostics, and no crash on any request.
	dir := t.TempDir()
	for i, src := range []string{
		"guest {{{ \"\n]]] = = \x00\xff",
		strings.Repeat("[", 100000),
		strings.Repeat("guest \"a\" {\n  flags = [\"", 100),
		"host \"h\" {\n  vlan \"v\" {\n    link = \"", // unterminated at the end
		`{"guest": {"j": {"context": "x"`,
	} {
		name := filepath.Join(dir, "broken"+string(rune('a'+i))+".vsc.hcl")
		if i == 4 {
			name = filepath.Join(dir, "broken.vsc.json")
		}
		uri := c.open(name, src)
		p := c.diagnostics(uri, version(1))
		if len(p.Diagnostics) == 0 {
			t.Errorf("document %d: no diagnostics", i)
		}
		for _, p := range []pos{{0, 0}, {0, 3}, {1, 5}, {2, 10}, {100, 100}} {
			for _, m := range []string{"textDocument/hover", "textDocument/completion", "textDocument/definition"} {
				c.call(m, docPos(uri, p), nil)
			}
		}
		c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}}, nil)
		c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}}, nil)
		c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	}
	// A change to a document that is not open, out-of-range edits.
	c.change("file:///not/open.vsc.hcl", 2, nil, "x")
	uri := c.open(filepath.Join(dir, "edit.vsc.hcl"), "guest \"a\" {\n  context = 2\n}\n")
	c.change(uri, 2, &rng{pos{40, 2}, pos{1, 1000}}, "guest \"b\" {}\n")
	c.diagnostics(uri, version(2))

	// A huge document: 20,000 guests, about 2 MB.
	var huge strings.Builder
	huge.WriteString("host \"h\" {\n  interface \"eth0\" {}\n}\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&huge, "guest \"g%d\" {\n  context = %d\n}\n", i, 2+i)
	}
	hugeURI := c.open(filepath.Join(t.TempDir(), "huge.vsc.hcl"), huge.String())
	c.diagnostics(hugeURI, version(1))
	var syms []symbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": hugeURI}}, &syms)
	if len(syms) != 20002 { // flat: the host, its interface, the guests
		t.Errorf("huge document: %d symbols", len(syms))
	}

	if code := c.shutdown(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if strings.Contains(c.stderr.String(), "internal error") {
		t.Errorf("the server logged an internal error:\n%s", c.stderr.String())
	}
}

// startInitOn initializes a client started with start.
func startInitOn(t *testing.T, c *client) {
	t.Helper()
	var res map[string]any
	c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}}, &res)
	c.notify("initialized", map[string]any{})
}

func TestShutdown(t *testing.T) {
	t.Run("exit without shutdown", func(t *testing.T) {
		c := startInit(t, false)
		c.notify("exit", nil)
		if code := c.exit(); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	})
	t.Run("requests after shutdown", func(t *testing.T) {
		c := startInit(t, false)
		c.call("shutdown", nil, nil)
		if code := c.callErr("textDocument/hover", docPos("file:///x.vsc.hcl", pos{0, 0})); code != -32600 {
			t.Errorf("hover after shutdown: code %d, want -32600", code)
		}
		c.notify("exit", nil)
		if code := c.exit(); code != 0 {
			t.Errorf("exit code %d, want 0", code)
		}
	})
	t.Run("end of input", func(t *testing.T) {
		c := startInit(t, false)
		if code := c.exit(); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	})
}

// An editor has no command line: variable values come in
// initializationOptions, as --var and --var-file give them to vsc check.
func TestInitializationOptions(t *testing.T) {
	const src = "variable \"base\" {\n  type = number\n}\nvariable \"suffix\" {\n  type = string\n}\nhost \"h\" {\n  interface \"eth0\" {}\n}\nguest \"web\" {\n  context  = var.base\n  hostname = \"web${var.suffix}\"\n}\n"
	dir := writeFiles(t, map[string]string{"vars.hcl": "suffix = \".example.org\"\n"})
	c := start(t)
	c.call("initialize", map[string]any{"capabilities": map[string]any{},
		"initializationOptions": map[string]any{"vars": []string{"base=300"}, "varFiles": []string{filepath.Join(dir, "vars.hcl")}}}, nil)
	c.notify("initialized", map[string]any{})
	uri := c.open(filepath.Join(dir, "main.vsc.hcl"), src)
	if p := c.diagnostics(uri, version(1)); len(p.Diagnostics) != 0 {
		t.Errorf("diagnostics: %+v", p.Diagnostics)
	}
	var h *hoverResult
	c.call("textDocument/hover", docPos(uri, at(t, src, "var.suffix", 5, false)), &h)
	if h == nil || !strings.Contains(h.Contents.Value, `".example.org"`) {
		t.Errorf("hover on var.suffix: %+v", h)
	}
}
