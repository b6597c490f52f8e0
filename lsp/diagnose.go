package lsp

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"

	"vsc/compiler"
	"vsc/lang"
)

// folder is a configuration some open document belongs to: a folder of
// *.vsc.hcl files, or one file of another name.
type folder struct {
	path string // what lang.Load reads
	// gen counts the changes to the folder's open documents (and to its
	// files on disk, as far as the client tells): a snapshot of an older
	// gen is stale.
	gen   uint64
	timer *time.Timer
	// last is when the folder last changed, to tell a change after a
	// pause (checked at once) from one of a burst (coalesced).
	last time.Time
	// sem lets one goroutine at a time load the folder and publish its
	// diagnostics, so that publications come in order.
	sem  chan struct{}
	snap *snapshot
	// published holds the files whose last published list was not empty,
	// to clear them when they have no diagnostic any more.
	published map[string]bool
}

// snapshot is the folder's configuration as of one gen, with everything
// `vsc check` reports about it.
type snapshot struct {
	gen      uint64
	cfg      *lang.Config
	model    *compiler.Model
	diags    hcl.Diagnostics
	versions map[string]int // open documents' versions, by path
	took     time.Duration
}

// changedLocked records a change to the file at path and schedules a check
// of its configuration. A change after a pause of at least the debounce
// delay is checked at once, so that a single edit shows its diagnostics
// as soon as they are known; a change that follows another closer than
// that is part of a burst (typing), checked once the burst has paused for
// the delay. s.mu is held.
func (s *server) changedLocked(path string) {
	if path == "" {
		return // not a file: no folder to check
	}
	key := configPath(path)
	f := s.folders[key]
	if f == nil {
		f = &folder{path: key, sem: make(chan struct{}, 1), published: map[string]bool{}}
		s.folders[key] = f
	}
	f.gen++
	now := time.Now()
	delay := s.debounce
	if now.Sub(f.last) >= s.debounce {
		delay = 0
	}
	f.last = now
	if f.timer != nil {
		f.timer.Stop()
	}
	f.timer = time.AfterFunc(delay, func() { s.diagnose(f) })
}

// closedLocked records that the document at path was closed: its folder is
// checked again from the disk, or forgotten (and its diagnostics cleared)
// when none of its documents is open any more. s.mu is held.
func (s *server) closedLocked(path string) {
	if path == "" {
		return
	}
	key := configPath(path)
	f := s.folders[key]
	if f == nil {
		return
	}
	for _, d := range s.docs {
		if d.path != "" && configPath(d.path) == key {
			s.changedLocked(path)
			return
		}
	}
	f.gen++
	if f.timer != nil {
		f.timer.Stop()
	}
	delete(s.folders, key)
	go func() {
		if !f.lock(s.ctx) {
			return
		}
		defer f.unlock()
		for p := range f.published {
			s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: pathToURI(p), Diagnostics: []diagnostic{}})
		}
		f.published = map[string]bool{}
	}()
}

func (f *folder) lock(ctx context.Context) bool {
	select {
	case f.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (f *folder) unlock() { <-f.sem }

// diagnose checks a folder and publishes its diagnostics, unless a newer
// change has made them stale by the time they are ready (the check that
// change scheduled publishes instead).
func (s *server) diagnose(f *folder) {
	defer s.recoverTo("checking "+f.path, nil)
	if !f.lock(s.ctx) {
		return
	}
	defer f.unlock()
	snap := s.current(f)
	s.mu.Lock()
	live := s.folders[f.path] == f && snap.gen == f.gen
	uris := map[string]string{}
	var open []string
	for _, d := range s.docs {
		if d.path != "" && configPath(d.path) == f.path {
			uris[d.path] = d.uri
			open = append(open, d.path)
		}
	}
	enc := s.enc
	s.mu.Unlock()
	if !live || s.ctx.Err() != nil {
		return
	}
	byFile := s.convert(snap, enc, uris, open)
	var paths []string
	for p := range byFile {
		paths = append(paths, p)
	}
	for p := range f.published {
		if _, ok := byFile[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	published := map[string]bool{}
	for _, p := range paths {
		list := byFile[p]
		if list == nil {
			list = []diagnostic{}
		}
		uri := uris[p]
		if uri == "" {
			uri = pathToURI(p)
		}
		params := publishDiagnosticsParams{URI: uri, Diagnostics: list}
		if v, ok := snap.versions[p]; ok {
			params.Version = &v
		}
		s.notify("textDocument/publishDiagnostics", params)
		if len(list) > 0 {
			published[p] = true
		}
	}
	f.published = published
}

// current returns the folder's snapshot for its present gen, loading and
// checking the configuration if the last snapshot is older. f is locked.
func (s *server) current(f *folder) *snapshot {
	s.mu.Lock()
	gen := f.gen
	if f.snap != nil && f.snap.gen == gen {
		snap := f.snap
		s.mu.Unlock()
		return snap
	}
	overlay := map[string][]byte{}
	versions := map[string]int{}
	for _, d := range s.docs {
		if d.path != "" && configPath(d.path) == f.path {
			overlay[d.path] = d.src
			versions[d.path] = d.version
		}
	}
	opts := lang.Options{Vars: s.opts.Vars, VarFiles: s.opts.VarFiles, Overlay: overlay}
	s.mu.Unlock()

	start := time.Now()
	cfg, diags := check(f.path, opts)
	snap := &snapshot{gen: gen, cfg: cfg, model: compiler.NewModel(cfg), diags: diags, versions: versions, took: time.Since(start)}
	s.mu.Lock()
	f.snap = snap
	s.mu.Unlock()
	return snap
}

// check is `vsc check` without compiling: reading and every check. A
// panic in either is a bug in vsc; it is reported as a diagnostic so that
// the user sees why the editor shows nothing else.
func check(path string, opts lang.Options) (cfg *lang.Config, diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			if cfg == nil {
				cfg = &lang.Config{Path: path, Files: map[string]*hcl.File{}}
			}
			diags = append(diags, lang.Error(lang.CodeInput, "Internal error in vsc",
				fmt.Sprintf("vsc failed on this configuration (%v). This is a bug in vsc, not in the configuration: please report it with the configuration.", r), hcl.Range{}))
		}
	}()
	cfg, diags = lang.Load(path, opts)
	if cfg.FileNames != nil || !diags.HasErrors() {
		diags = append(diags, compiler.Run(cfg)...)
	}
	lang.SortDiagnostics(diags)
	return cfg, diags
}

// fresh returns the snapshot of the configuration the document at path
// belongs to, as of now; nil when the document is not open.
func (s *server) fresh(ctx context.Context, path string) *snapshot {
	s.mu.Lock()
	f := s.folders[configPath(path)]
	s.mu.Unlock()
	if f == nil || !f.lock(ctx) {
		return nil
	}
	defer f.unlock()
	return s.current(f)
}

// convert turns a snapshot's diagnostics into the protocol's, by file.
// Every open document of the folder gets a list, empty or not; a
// diagnostic without a range (a file that cannot be read) is shown at the
// top of each of them.
func (s *server) convert(snap *snapshot, enc encoding, uris map[string]string, open []string) map[string][]diagnostic {
	texts := map[string]*text{}
	textOf := func(name string) *text {
		if t, ok := texts[name]; ok {
			return t
		}
		var t *text
		if f := snap.cfg.Files[name]; f != nil {
			t = newText(f.Bytes)
		} else if b, err := os.ReadFile(name); err == nil {
			t = newText(b)
		}
		texts[name] = t
		return t
	}
	rangeOf := func(r hcl.Range) Range {
		if t := textOf(r.Filename); t != nil {
			return t.rangeOf(r, enc)
		}
		// A file vsc cannot read again: trust hcl's line and column.
		return Range{Position{max(r.Start.Line-1, 0), max(r.Start.Column-1, 0)}, Position{max(r.End.Line-1, 0), max(r.End.Column-1, 0)}}
	}
	uriOf := func(name string) string {
		if u := uris[name]; u != "" {
			return u
		}
		return pathToURI(name)
	}
	out := map[string][]diagnostic{}
	for _, p := range open {
		out[p] = []diagnostic{}
	}
	for _, d := range snap.diags {
		pd := diagnostic{Severity: severityError, Code: lang.Code(d), Source: "vsc", Message: d.Summary}
		if d.Severity == hcl.DiagWarning {
			pd.Severity = severityWarning
		}
		if d.Detail != "" {
			pd.Message += "\n" + d.Detail
		}
		for _, r := range lang.Related(d) {
			if r.Filename == "" {
				continue
			}
			pd.RelatedInformation = append(pd.RelatedInformation, relatedInformation{
				Location: Location{URI: uriOf(r.Filename), Range: rangeOf(r)},
				Message:  d.Summary + ": the other site",
			})
		}
		if d.Subject == nil || d.Subject.Filename == "" {
			for _, p := range open {
				out[p] = append(out[p], pd)
			}
			continue
		}
		pd.Range = rangeOf(*d.Subject)
		out[d.Subject.Filename] = append(out[d.Subject.Filename], pd)
	}
	return out
}
