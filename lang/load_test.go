package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func only(t *testing.T, diags hcl.Diagnostics, code, summary string) {
	t.Helper()
	if len(diags) != 1 || Code(diags[0]) != code || !strings.Contains(diags[0].Summary, summary) {
		t.Fatalf("want one %s diagnostic %q, got %v", code, summary, diags)
	}
}

// Paths that cannot be read at all: reported under "input", no range.
func TestLoadInput(t *testing.T) {
	dir := t.TempDir()
	_, diags := Load(filepath.Join(dir, "nowhere"), Options{})
	only(t, diags, CodeInput, "Configuration not found")

	_, diags = Load(dir, Options{})
	only(t, diags, CodeInput, "No configuration files")

	write(t, dir, map[string]string{"notes.txt": "hello", "main.hcl": "x = 1"})
	_, diags = Load(dir, Options{})
	only(t, diags, CodeInput, "No configuration files")
}

func TestLoadNativeAndJSON(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"a.vsc.hcl": `host "srv1" {
  interface "eth0" {}
}
`,
		"b.vsc.json": `{"guest": {"web": {"context": 300, "hostname": "web", "interface": {"0": {"dev": "eth0", "ip": "10.0.0.2/24"}}}}}`,
	})
	cfg, diags := Load(dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(cfg.Guests) != 1 || cfg.Guests[0].Context.V != 300 || cfg.Guests[0].Interfaces[0].IP.V != "10.0.0.2/24" {
		t.Fatalf("JSON guest not read: %+v", cfg.Guests)
	}
	if r := cfg.Guests[0].Context.Range; !strings.HasSuffix(r.Filename, "b.vsc.json") || r.Start.Line != 1 {
		t.Errorf("JSON value range = %v", r)
	}
}

func TestVariablesLocalsForEach(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": `
variable "base" {
  type    = number
  default = 100
}
variable "names" {
  type    = set(string)
  default = ["a"]
}
locals {
  first = var.base + 1
  pairs = { for n in var.names : n => local.first }
}
host "srv1" {}
guest "web" {
  for_each = local.pairs
  context  = each.value
  hostname = "web-${each.key}"
}
`, "vars.hcl": `names = ["x", "y"]`})
	cfg, diags := Load(dir, Options{VarFiles: []string{filepath.Join(dir, "vars.hcl")}, Vars: []string{"base=200"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, g := range cfg.Guests {
		got = append(got, g.Name+"/"+g.SysName+"/"+g.Hostname.V)
		if g.Context.V != 201 {
			t.Errorf("%s context = %d, want 201", g.Name, g.Context.V)
		}
	}
	if strings.Join(got, " ") != `web["x"]/web-x/web-x web["y"]/web-y/web-y` {
		t.Errorf("instances = %v", got)
	}
	if cfg.Guests[0].Key != cty.StringVal("x") {
		t.Errorf("key = %#v", cfg.Guests[0].Key)
	}
}

func TestVarErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": `
variable "n" {
  type    = number
  default = 1
}
host "srv1" {}
`})
	for _, tc := range []struct{ arg, summary string }{
		{"n=abc", "Invalid value for variable"},
		{"m=1", "Value for undeclared variable"},
		{"n", "Invalid --var"},
		{"n=[", "Invalid --var value"},
	} {
		_, diags := Load(dir, Options{Vars: []string{tc.arg}})
		only(t, diags, CodeVariable, tc.summary)
		if diags[0].Subject != nil {
			t.Errorf("--var %s: a command-line problem has no file range, got %v", tc.arg, diags[0].Subject)
		}
	}
}

func TestDefaultsMerge(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": `
host "srv1" {}
defaults {
  nice = 5
  init {
    style    = "plain"
    runlevel = 2
  }
  mount "/tmp" {
    source = "none"
    type   = "tmpfs"
  }
  mount "/srv" {
    source = "/data"
    type   = "none"
  }
}
guest "web" {
  context = 300
  init {
    runlevel = 4
  }
  mount "/srv" {
    source = "/web"
    type   = "none"
  }
}
guest "db" {
  context = 301
  nice    = -1
}
`})
	cfg, diags := Load(dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	web, db := cfg.Guests[0], cfg.Guests[1]
	if web.Nice.V != 5 || db.Nice.V != -1 {
		t.Errorf("nice: web %d (want 5 from defaults), db %d (want its own -1)", web.Nice.V, db.Nice.V)
	}
	if web.Init.Style.V != "plain" || web.Init.Runlevel.V != 4 {
		t.Errorf("init merged attribute by attribute: got %s/%d", web.Init.Style.V, web.Init.Runlevel.V)
	}
	if len(web.Mounts) != 2 || web.Mounts[1].Source.V != "/web" {
		t.Errorf("mounts: the guest's /srv replaces the default one: %+v", web.Mounts)
	}
}

// Hostile input ends in diagnostics, never a panic or a stack overflow.
func TestHostile(t *testing.T) {
	for name, src := range map[string]string{
		"deep-parens":   "locals {\n x = " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + "\n}\n",
		"deep-unary":    "locals {\n x = " + strings.Repeat("-", 100000) + "1\n}\n",
		"deep-not":      "locals {\n x = " + strings.Repeat("!", 100000) + "true\n}\n",
		"deep-blocks":   strings.Repeat("a {\n", 10000),
		"huge-number":   "host \"h\" {}\nguest \"g\" {\n context = 1" + strings.Repeat("0", 5000) + "\n}\n",
		"non-utf8":      "host \"\xff\xfe\" {}\n",
		"nul":           "host \"h\" {\x00}\n",
		"unterminated":  "guest \"g\" {\n hostname = \"abc\n",
		"json-deep":     strings.Repeat("[", 100000),
		"template-deep": "locals {\n x = \"" + strings.Repeat("${\"", 5000) + "\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := "x.vsc.hcl"
			if strings.HasPrefix(name, "json") {
				file = "x.vsc.json"
			}
			write(t, dir, map[string]string{file: src})
			_, diags := Load(dir, Options{})
			if !diags.HasErrors() {
				t.Fatalf("no error for hostile input")
			}
			for _, d := range diags {
				if Code(d) == "" {
					t.Errorf("diagnostic without code: %v", d)
				}
			}
		})
	}
}

// A size without a unit means what a number means for that attribute:
// KiB for disk_limit.space_total, quoted or not.
func TestUnitlessSize(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": `
host "srv1" {}
guest "a" {
  context = 300
  disk_limit {
    space_total = 204800
  }
  rlimits {
    as = "1024"
  }
}
guest "b" {
  context = 301
  disk_limit {
    space_total = "204800"
  }
}
guest "c" {
  context = 302
  disk_limit {
    space_total = "200MiB"
  }
}
`})
	cfg, diags := Load(dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, g := range cfg.Guests {
		if got := g.DiskLimit.SpaceTotal.V; got != 200<<20 {
			t.Errorf("%s: space_total = %d bytes, want 200 MiB", g.Name, got)
		}
	}
	if got := cfg.Guests[0].Rlimits.AS.V.Hard; got != 1024 {
		t.Errorf(`as = "1024" gave %d, want 1024 bytes`, got)
	}
}

// A size with spaces around it reads as without them (it crashed once).
func TestSizeWithSpaces(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": `
host "srv1" {}
guest "a" {
  context = 300
  disk_limit {
    space_total = " 1 "
  }
  rlimits {
    as = "0 "
  }
}
`})
	cfg, diags := Load(dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := cfg.Guests[0].DiskLimit.SpaceTotal.V; got != 1024 {
		t.Errorf(`space_total = " 1 " gave %d bytes, want 1 KiB`, got)
	}
}

// TestInputsDigest checks that the digest of the inputs on disk is the
// digest of what Load read, and that every input is part of it.
func TestInputsDigest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.vsc.hcl", "variable \"n\" {\n  default = 1\n}\nhost \"a\" {}\n")
	write("vars.hcl", "n = 2\n")
	opts := Options{VarFiles: []string{filepath.Join(dir, "vars.hcl")}}
	cfg, diags := Load(dir, opts)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	loaded, ok1 := cfg.InputsDigest(opts)
	disk, ok2 := InputsDigest(dir, opts)
	if !ok1 || !ok2 || loaded != disk {
		t.Fatalf("digest of what was loaded %q (%v), of the disk %q (%v)", loaded, ok1, disk, ok2)
	}
	seen := map[string]bool{disk: true}
	for _, change := range []func(){
		func() { write("main.vsc.hcl", "variable \"n\" {\n  default = 3\n}\nhost \"a\" {}\n") },
		func() { write("vars.hcl", "n = 4\n") },
		func() { opts.Vars = []string{"n=5"} },
		func() { write("other.vsc.hcl", "") },
	} {
		change()
		d, ok := InputsDigest(dir, opts)
		if !ok || seen[d] {
			t.Fatalf("an input change gave a digest seen before (%v)", ok)
		}
		seen[d] = true
	}
	if _, ok := InputsDigest(filepath.Join(dir, "missing"), opts); ok {
		t.Fatal("a missing configuration has a digest")
	}
}

// TestDecodeManyInOrder checks that decoding the blocks of a large body
// on every core gives what decoding them one by one gives: the same
// values in the same order, the same diagnostics in the same order.
func TestDecodeManyInOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("host \"a\" {\n  table \"t\" {\n    id = 7\n")
	for i := 0; i < 300; i++ {
		to := fmt.Sprintf("\"10.%d.%d.0/24\"", i/250, i%250)
		if i%37 == 5 {
			to = "nope" // an error, reported in its place
		}
		fmt.Fprintf(&b, "    route {\n      to  = %s\n      dev = \"eth%d\"\n    }\n", to, i%3)
	}
	b.WriteString("  }\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  rule {\n    from     = \"10.9.%d.0/24\"\n    table    = \"t\"\n    priority = %d\n  }\n", i, 2000+i)
	}
	b.WriteString("}\n")
	dir := t.TempDir()
	write(t, dir, map[string]string{"main.vsc.hcl": b.String()})
	load := func(threshold int) (*Config, []string) {
		defer func(old int) { parallelBlocks = old }(parallelBlocks)
		parallelBlocks = threshold
		cfg, diags := Load(dir, Options{})
		var out []string
		for _, d := range diags {
			out = append(out, d.Error())
		}
		return cfg, out
	}
	seqCfg, seqDiags := load(1 << 30)
	parCfg, parDiags := load(2)
	if len(seqDiags) == 0 {
		t.Fatal("the test configuration should have errors")
	}
	if diff := cmp.Diff(seqDiags, parDiags); diff != "" {
		t.Fatalf("diagnostics differ (-one by one +parallel):\n%s", diff)
	}
	routes := func(c *Config) (out []string) {
		for _, tb := range c.Hosts[0].Tables {
			for _, r := range tb.Routes {
				out = append(out, r.To.V+" "+r.Dev.V+" "+r.DeclRange.String())
			}
		}
		for _, r := range c.Hosts[0].Rules {
			out = append(out, r.From.V+" "+r.DeclRange.String())
		}
		return out
	}
	if diff := cmp.Diff(routes(seqCfg), routes(parCfg)); diff != "" {
		t.Fatalf("decoded values differ (-one by one +parallel):\n%s", diff)
	}
}
