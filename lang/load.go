package lang

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// Options are the inputs given on the command line.
type Options struct {
	// Vars are --var NAME=VALUE arguments, in order; later ones win.
	Vars []string
	// VarFiles are --var-file paths, applied before Vars, in order.
	VarFiles []string
	// Overlay holds file contents that take precedence over the files on
	// disk (an editor's unsaved buffers), by file name. A file that is only
	// in Overlay is read too when Path names it, or names its folder.
	Overlay map[string][]byte
}

// Suffixes of the files a configuration folder is made of.
const (
	SuffixNative = ".vsc.hcl"
	SuffixJSON   = ".vsc.json"
)

var topSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "host", LabelNames: []string{"name"}},
	{Type: "defaults"},
	{Type: "guest", LabelNames: []string{"name"}},
}}

// Load reads the configuration at path (a folder or one file), evaluates it
// and returns it with every problem found. The Config is returned even with
// errors, holding what could be read, so that later stages can report
// their own problems too; values that failed to evaluate are left unset.
func Load(path string, opts Options) (*Config, hcl.Diagnostics) {
	cfg := &Config{Path: path, Files: map[string]*hcl.File{}}
	names, diags := configFiles(path, opts.Overlay)
	var blocks hcl.Blocks
	for _, name := range names {
		f, d := parseFile(name, opts.Overlay)
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		cfg.Files[name] = f
		cfg.FileNames = append(cfg.FileNames, name)
		content, d := f.Body.Content(topSchema)
		diags = append(diags, withCode(d, CodeSchema)...)
		blocks = append(blocks, content.Blocks...)
	}
	byType := map[string]hcl.Blocks{}
	for _, b := range blocks {
		byType[b.Type] = append(byType[b.Type], b)
	}

	s := newScope()
	diags = append(diags, cfg.loadVariables(s, byType["variable"], opts)...)
	diags = append(diags, cfg.loadLocals(s, byType["locals"])...)
	diags = append(diags, cfg.loadHosts(s, byType["host"])...)
	diags = append(diags, cfg.loadDefaults(s, byType["defaults"])...)
	diags = append(diags, cfg.loadGuests(s, byType["guest"])...)
	return cfg, diags
}

// configFiles lists the files of a configuration, in name order.
func configFiles(path string, overlay map[string][]byte) ([]string, hcl.Diagnostics) {
	if _, ok := overlay[path]; ok {
		return []string{path}, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, hcl.Diagnostics{Error(CodeInput, "Configuration not found",
				fmt.Sprintf("There is no file or folder at %q. Give a folder of *%s files or one such file.", path, SuffixNative), hcl.Range{})}
		}
		return nil, hcl.Diagnostics{Error(CodeInput, "Configuration unreadable", err.Error()+".", hcl.Range{})}
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, hcl.Diagnostics{Error(CodeInput, "Configuration unreadable", err.Error()+".", hcl.Range{})}
	}
	seen := map[string]bool{}
	var names []string
	add := func(name string) {
		if !seen[name] && (strings.HasSuffix(name, SuffixNative) || strings.HasSuffix(name, SuffixJSON)) {
			seen[name] = true
			names = append(names, name)
		}
	}
	for _, e := range entries {
		if !e.IsDir() {
			add(filepath.Join(path, e.Name()))
		}
	}
	for name := range overlay {
		if filepath.Dir(name) == filepath.Clean(path) {
			add(name)
		}
	}
	if len(names) == 0 {
		return nil, hcl.Diagnostics{Error(CodeInput, "No configuration files",
			fmt.Sprintf("The folder %q holds no *%s or *%s file. Give the folder that holds the configuration, or create one there.", path, SuffixNative, SuffixJSON), hcl.Range{})}
	}
	sort.Strings(names)
	return names, nil
}

// parseFile reads and parses one file in the syntax its name says.
func parseFile(name string, overlay map[string][]byte) (*hcl.File, hcl.Diagnostics) {
	src, ok := overlay[name]
	if !ok {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			return nil, hcl.Diagnostics{Error(CodeInput, "File unreadable", err.Error()+".", hcl.Range{})}
		}
	}
	if d := guardNesting(name, src); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(name, ".json") {
		f, diags = json.Parse(src, name)
	} else {
		f, diags = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	}
	withCode(diags, CodeSyntax)
	if f == nil || f.Body == nil {
		return nil, diags
	}
	return f, diags
}

// maxNesting bounds how deeply brackets and unary operators may nest. HCL's
// parser and evaluator recurse once per level; a hostile file nesting a
// million levels would exhaust the goroutine stack, which Go cannot recover
// from. No real configuration comes near this.
const maxNesting = 256

// guardNesting refuses a file whose nesting exceeds maxNesting, pointing at
// the place it does. Brackets inside strings and comments count too, which
// can only make it stricter than needed, never let a deep file through.
func guardNesting(name string, src []byte) *hcl.Diagnostic {
	depth, line, col := 0, 1, 0
	run := 0 // consecutive unary operators, each a level of recursion
	for i, c := range src {
		col++
		switch c {
		case '(', '[', '{':
			depth++
			run = 0
		case ')', ']', '}':
			depth--
			run = 0
		case '!', '-':
			run++
		case ' ', '\t', '\r':
		case '\n':
			line, col = line+1, 0
		default:
			run = 0
		}
		if depth > maxNesting || run > maxNesting {
			p := hcl.Pos{Line: line, Column: col, Byte: i}
			return Error(CodeSyntax, "Nesting too deep",
				fmt.Sprintf("Brackets or operators nest more than %d levels deep here. Split the expression into locals.", maxNesting),
				hcl.Range{Filename: name, Start: p, End: hcl.Pos{Line: line, Column: col + 1, Byte: i + 1}})
		}
	}
	return nil
}

func (cfg *Config) loadHosts(s *scope, blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Host{}
	bs := SchemaOf(Host{})
	for _, b := range blocks {
		h := &Host{}
		diags = append(diags, decodeBlock(s, b, reflect.ValueOf(h).Elem(), bs)...)
		if first, dup := seen[h.Name.V]; dup {
			diags = append(diags, Error(CodeSchema, "Duplicate host",
				fmt.Sprintf("A host named %q is already declared. Give each host its own name.", h.Name.V),
				h.Name.Range, first.Name.Range))
			continue
		}
		seen[h.Name.V] = h
		cfg.Hosts = append(cfg.Hosts, h)
	}
	return diags
}

func (cfg *Config) loadDefaults(s *scope, blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, b := range blocks {
		if i > 0 {
			diags = append(diags, Error(CodeSchema, "Duplicate defaults block",
				"A configuration has at most one defaults block. Merge this one into the first.", b.DefRange, blocks[0].DefRange))
			continue
		}
		content, remain, d := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "context"}, {Name: "for_each"}}})
		diags = append(diags, withCode(d, CodeSchema)...)
		for _, a := range content.Attributes {
			diags = append(diags, Error(CodeSchema, fmt.Sprintf("%q cannot be a default", a.Name),
				fmt.Sprintf("Every guest needs its own %s, so it cannot be set in defaults. Move it into the guest blocks.", a.Name), a.NameRange))
		}
		g := &Guest{DeclRange: b.DefRange}
		diags = append(diags, decodeBody(s, remain, "defaults", reflect.ValueOf(g).Elem(), SchemaOf(g), false)...)
		cfg.Defaults = g
	}
	return diags
}

func (cfg *Config) loadGuests(s *scope, blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Guest{}
	add := func(g *Guest) {
		if first, dup := seen[g.Name]; dup {
			diags = append(diags, Error(CodeSchema, "Duplicate guest",
				fmt.Sprintf("A guest named %s is already declared. Give each guest its own name.", g.Name),
				g.Label.Range, first.Label.Range))
			return
		}
		seen[g.Name] = g
		cfg.Guests = append(cfg.Guests, g)
	}
	forEach := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "for_each"}}}
	for _, b := range blocks {
		content, remain, d := b.Body.PartialContent(forEach)
		diags = append(diags, withCode(d, CodeSchema)...)
		attr := content.Attributes["for_each"]
		if attr == nil {
			g, d := cfg.decodeGuest(s, b, remain)
			diags = append(diags, d...)
			g.Name, g.SysName = b.Labels[0], b.Labels[0]
			add(g)
			continue
		}
		inst, d := forEachInstances(s, attr)
		diags = append(diags, d...)
		for _, kv := range inst {
			g, d := cfg.decodeGuest(s.withEach(kv[0], kv[1]), b, remain)
			diags = append(diags, d...)
			key := kv[0].AsString()
			g.Key = kv[0]
			g.Name = fmt.Sprintf("%s[%q]", b.Labels[0], key)
			g.SysName = b.Labels[0] + "-" + key
			add(g)
		}
	}
	return diags
}

func (cfg *Config) decodeGuest(s *scope, b *hcl.Block, body hcl.Body) (*Guest, hcl.Diagnostics) {
	g := &Guest{Label: Val[string]{V: b.Labels[0], Range: b.LabelRanges[0], Set: true}, DeclRange: b.DefRange}
	bs := SchemaOf(g)
	diags := decodeBody(s, body, "guest", reflect.ValueOf(g).Elem(), bs, true)
	if cfg.Defaults != nil {
		merge(reflect.ValueOf(g).Elem(), reflect.ValueOf(cfg.Defaults).Elem(), bs)
	}
	return g, diags
}

// forEachInstances evaluates a for_each and returns its (key, value) pairs
// in key order.
func forEachInstances(s *scope, attr *hcl.Attribute) ([][2]cty.Value, hcl.Diagnostics) {
	val, diags := s.eval(attr.Expr)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return nil, diags
	}
	bad := func(detail string) ([][2]cty.Value, hcl.Diagnostics) {
		return nil, append(diags, Error(CodeSchema, "Invalid for_each", detail, attr.Expr.Range()))
	}
	if val.IsNull() {
		return bad("for_each is null. Give a map, or a set of strings such as toset([\"a\", \"b\"]).")
	}
	ty := val.Type()
	var out [][2]cty.Value
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			out = append(out, [2]cty.Value{k, v})
		}
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) {
			return bad(fmt.Sprintf("for_each is a %s; a set must hold strings, which become the guest keys.", ty.FriendlyName()))
		}
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return bad("for_each holds a null. Remove it: every key must be a string.")
			}
			out = append(out, [2]cty.Value{v, v})
		}
	default:
		return bad(fmt.Sprintf("for_each is a %s; it must be a map, or a set of strings. Wrap a list in toset(…) so that each guest is named by its value, not its position.", ty.FriendlyName()))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][0].AsString() < out[j][0].AsString() })
	return out, diags
}

// merge fills what a guest leaves unset from defaults: attributes one by
// one, single blocks recursively, and repeatable blocks by label (the
// guest's own block wins over a defaults block of the same label).
func merge(dst, def reflect.Value, bs *BlockSchema) {
	for _, f := range bs.Fields {
		dv, df := dst.Field(f.index), def.Field(f.index)
		switch f.kind {
		case kindBlock:
			if df.IsNil() {
				continue
			}
			if dv.IsNil() {
				cp := reflect.New(f.Block.typ)
				cp.Elem().Set(df.Elem())
				dv.Set(cp)
				continue
			}
			merge(dv.Elem(), df.Elem(), f.Block)
		case kindBlocks:
			if df.Len() == 0 {
				continue
			}
			mine := map[string]bool{}
			for i := 0; i < dv.Len(); i++ {
				mine[blockLabel(dv.Index(i), f.Block)] = true
			}
			out := reflect.MakeSlice(dv.Type(), 0, dv.Len()+df.Len())
			for i := 0; i < df.Len(); i++ {
				if !mine[blockLabel(df.Index(i), f.Block)] {
					out = reflect.Append(out, df.Index(i))
				}
			}
			dv.Set(reflect.AppendSlice(out, dv))
		default:
			if !dv.FieldByName("Set").Bool() {
				dv.Set(df)
			}
		}
	}
}

func blockLabel(p reflect.Value, bs *BlockSchema) string {
	if bs.labelIndex < 0 {
		return ""
	}
	return p.Elem().Field(bs.labelIndex).Interface().(Val[string]).V
}

// Digest identifies the configuration a plan was compiled from: every file
// (by base name and content) and the value of every variable. A saved plan
// carries it so that applying a plan whose configuration has changed since
// is refused.
func (cfg *Config) Digest() string {
	h := sha256.New()
	for _, name := range cfg.FileNames {
		fmt.Fprintf(h, "file %s %d\n", filepath.Base(name), len(cfg.Files[name].Bytes))
		h.Write(cfg.Files[name].Bytes)
	}
	for _, v := range cfg.Variables {
		js, err := ctyjson.Marshal(v.Value, v.Value.Type())
		if err != nil {
			js = []byte(v.Value.GoString())
		}
		fmt.Fprintf(h, "var %s %s\n", v.Name, js)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
