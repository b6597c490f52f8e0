package lang

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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
	names, diags := configFiles(path, opts.Overlay)
	if len(diags) == 0 {
		if cfg, diags, ok := loadChunks(path, names, opts); ok {
			return cfg, diags
		}
	}
	return loadFiles(path, names, diags, opts)
}

// loadFiles reads the configuration file by file (see split.go for the
// other way). diags are those of finding the files.
func loadFiles(path string, names []string, diags hcl.Diagnostics, opts Options) (*Config, hcl.Diagnostics) {
	cfg := &Config{Path: path, Files: map[string]*hcl.File{}}
	parsed := parseFiles(names, opts.Overlay)
	var blocks hcl.Blocks
	for i, name := range names {
		f, d := parsed[i].f, parsed[i].diags
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
	guests := make([]guestItem, len(byType["guest"]))
	for i, b := range byType["guest"] {
		guests[i].block = b
	}
	d, _ := cfg.evaluate(byType, guests, opts)
	return cfg, append(diags, d...)
}

// loadChunks reads the configuration chunk by chunk (see split.go). ok is
// false when reading any file or chunk reports a problem: the
// configuration must then be read file by file, which reports it.
func loadChunks(path string, names []string, opts Options) (cfg *Config, diags hcl.Diagnostics, ok bool) {
	cfg = &Config{Path: path, Files: map[string]*hcl.File{}}
	// What is read first: each JSON file whole, and the native chunks
	// that are not guest blocks. files[i] are the pieces of names[i].
	type piece struct {
		chunk  *chunk     // a native chunk, or
		file   *hcl.File  // a JSON file
		blocks hcl.Blocks // its blocks, once read
	}
	files := make([][]piece, len(names))
	var first []*piece
	for i, name := range names {
		src, ok := opts.Overlay[name]
		if !ok {
			var err error
			if src, err = os.ReadFile(name); err != nil {
				return nil, nil, false
			}
		}
		if guardNesting(name, src) != nil {
			return nil, nil, false
		}
		cfg.Files[name] = &hcl.File{Bytes: src}
		cfg.FileNames = append(cfg.FileNames, name)
		if strings.HasSuffix(name, ".json") {
			f, d := json.Parse(src, name)
			if len(d) > 0 || f == nil || f.Body == nil {
				return nil, nil, false
			}
			files[i] = []piece{{file: f}}
		} else {
			for _, c := range splitFile(name, src) {
				files[i] = append(files[i], piece{chunk: &c})
			}
		}
		for j := range files[i] {
			if p := &files[i][j]; p.chunk == nil || !p.chunk.guest {
				first = append(first, p)
			}
		}
	}
	var failed atomic.Bool
	parallel(len(first), func(i int) {
		p := first[i]
		if p.file != nil {
			content, d := p.file.Body.Content(topSchema)
			if len(d) > 0 {
				failed.Store(true)
			}
			p.blocks = content.Blocks
			return
		}
		var ok bool
		if p.blocks, ok = p.chunk.parse(); !ok {
			failed.Store(true)
		}
	})
	if failed.Load() {
		return nil, nil, false
	}

	byType := map[string]hcl.Blocks{}
	var guests []guestItem
	for _, pieces := range files {
		for _, p := range pieces {
			if p.chunk != nil && p.chunk.guest {
				guests = append(guests, guestItem{chunk: p.chunk})
				continue
			}
			for _, b := range p.blocks {
				if b.Type == "guest" {
					guests = append(guests, guestItem{block: b})
				} else {
					byType[b.Type] = append(byType[b.Type], b)
				}
			}
		}
	}
	diags, ok = cfg.evaluate(byType, guests, opts)
	if !ok {
		return nil, nil, false
	}
	return cfg, diags, true
}

// evaluate decodes the top-level blocks by type, in the order of the
// language: variables, locals, hosts, defaults, guests. ok is false when a
// chunk of guests fails to read.
func (cfg *Config) evaluate(byType map[string]hcl.Blocks, guests []guestItem, opts Options) (diags hcl.Diagnostics, ok bool) {
	s := newScope()
	diags = append(diags, cfg.loadVariables(s, byType["variable"], opts)...)
	diags = append(diags, cfg.loadLocals(s, byType["locals"])...)
	diags = append(diags, cfg.loadHosts(s, byType["host"])...)
	diags = append(diags, cfg.loadDefaults(s, byType["defaults"])...)
	d, ok := cfg.loadGuests(s, guests)
	diags = append(diags, d...)
	cfg.dropSyntax()
	return diags, ok
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

type parsedFile struct {
	f     *hcl.File
	diags hcl.Diagnostics
}

// parseFiles reads and parses files in parallel, one worker per CPU, and
// returns the results in the order of names.
func parseFiles(names []string, overlay map[string][]byte) []parsedFile {
	out := make([]parsedFile, len(names))
	parallel(len(names), func(i int) {
		out[i].f, out[i].diags = parseFile(names[i], overlay)
	})
	return out
}

// parallel calls f(0), …, f(n-1) on up to GOMAXPROCS goroutines and
// returns when every call has returned. f must only write what belongs to
// its own index. A panic in f is re-raised in the caller's goroutine, so
// that it is reported as any other internal error.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		panicked sync.Once
		reason   any
		failed   atomic.Bool
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					panicked.Do(func() { reason = r })
					failed.Store(true)
				}
			}()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		panic(reason)
	}
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

// dropSyntax keeps only the bytes of every file read: once the
// configuration is decoded, nothing reads the syntax trees again, and for
// a large configuration they take more memory than everything else.
func (cfg *Config) dropSyntax() {
	for name, f := range cfg.Files {
		cfg.Files[name] = &hcl.File{Bytes: f.Bytes}
	}
}

// guestItem is a guest block, or a chunk of guest blocks not read yet.
type guestItem struct {
	block *hcl.Block
	chunk *chunk
}

// loadGuests decodes the guests, reading the chunks of guest blocks on
// the way. ok is false when reading a chunk reports a problem.
func (cfg *Config) loadGuests(s *scope, items []guestItem) (hcl.Diagnostics, bool) {
	// The items are decoded in parallel: the scope and the defaults are
	// only read from now on (the evaluation context is built once, here).
	// The guests and diagnostics are then gathered in block order, as a
	// sequential decoding would give them.
	s.evalContext()
	decoded := make([][]guestBlock, len(items))
	var failed atomic.Bool
	parallel(len(items), func(i int) {
		if failed.Load() {
			return
		}
		blocks := hcl.Blocks{items[i].block}
		if c := items[i].chunk; c != nil {
			var ok bool
			if blocks, ok = c.parse(); !ok {
				failed.Store(true)
				return
			}
		}
		out := make([]guestBlock, len(blocks))
		for j, b := range blocks {
			if b.Type != "guest" {
				failed.Store(true)
				return
			}
			out[j] = cfg.decodeGuestBlock(s, b)
		}
		decoded[i] = out
	})
	if failed.Load() {
		return nil, false
	}

	var diags hcl.Diagnostics
	seen := map[string]*Guest{}
	for _, gbs := range decoded {
		for _, gb := range gbs {
			diags = append(diags, gb.diags...)
			for _, one := range gb.guests {
				diags = append(diags, one.diags...)
				g := one.g
				if first, dup := seen[g.Name]; dup {
					diags = append(diags, Error(CodeSchema, "Duplicate guest",
						fmt.Sprintf("A guest named %s is already declared. Give each guest its own name.", g.Name),
						g.Label.Range, first.Label.Range))
					continue
				}
				seen[g.Name] = g
				cfg.Guests = append(cfg.Guests, g)
			}
		}
	}
	return diags, true
}

// guestBlock is what one guest block decodes to: the diagnostics of the
// block itself (its for_each), then each guest with its own diagnostics.
type guestBlock struct {
	diags  hcl.Diagnostics
	guests []decodedGuest
}

type decodedGuest struct {
	g     *Guest
	diags hcl.Diagnostics
}

var forEachSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "for_each"}}}

// decodeGuestBlock decodes one guest block: one guest, or one instance
// per for_each key.
func (cfg *Config) decodeGuestBlock(s *scope, b *hcl.Block) guestBlock {
	var out guestBlock
	var attr *hcl.Attribute
	var remain hcl.Body
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		// What PartialContent(forEachSchema) gives, which reports nothing
		// for a native body, without copying the body.
		if a := sb.Attributes["for_each"]; a != nil {
			attr = a.AsHCLAttribute()
		}
		remain = hiding{sb, "for_each"}
	} else {
		content, rest, d := b.Body.PartialContent(forEachSchema)
		out.diags = withCode(d, CodeSchema)
		attr, remain = content.Attributes["for_each"], rest
	}
	if attr == nil {
		g, d := cfg.decodeGuest(s, b, remain)
		g.Name, g.SysName = b.Labels[0], b.Labels[0]
		out.guests = []decodedGuest{{g, d}}
		return out
	}
	inst, d := forEachInstances(s, attr)
	out.diags = append(out.diags, d...)
	for _, kv := range inst {
		g, d := cfg.decodeGuest(s.withEach(kv[0], kv[1]), b, remain)
		key := kv[0].AsString()
		g.Key = kv[0]
		g.Name = fmt.Sprintf("%s[%q]", b.Labels[0], key)
		g.SysName = b.Labels[0] + "-" + key
		out.guests = append(out.guests, decodedGuest{g, d})
	}
	return out
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
				// The guest shares the defaults' block: the configuration
				// is only read once loaded.
				dv.Set(df)
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
// is refused. It is computed on the first call: the configuration must
// not change after that.
func (cfg *Config) Digest() string {
	cfg.digestOnce.Do(func() { cfg.digest = cfg.computeDigest() })
	return cfg.digest
}

func (cfg *Config) computeDigest() string {
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
