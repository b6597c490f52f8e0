package lsp

import (
	"context"
	"encoding/json"
	"os"
)

// definition goes from a reference (var.NAME, local.NAME, a guest's host,
// an interface's dev, a vlan's link, a route's dev, a rule's table) to its
// declaration, in whichever file of the configuration it is.
func (s *server) definition(ctx context.Context, raw json.RawMessage) (any, error) {
	var p textDocumentPositionParams
	if err := decode(raw, &p); err != nil {
		return nil, err
	}
	d, enc := s.document(p.TextDocument.URI)
	if d == nil || d.isJSON() {
		return nil, nil
	}
	o, t := d.parsed()
	ref, ok := referenceAt(o, t.offset(p.Position, enc))
	if !ok {
		return nil, nil
	}
	snap := s.fresh(ctx, d.path)
	if snap == nil {
		return nil, ctx.Err()
	}
	locs := []Location{}
	for _, tg := range resolve(snap, ref) {
		uri, txt := s.fileText(snap, tg.rng.Filename)
		if txt == nil {
			continue
		}
		locs = append(locs, Location{URI: uri, Range: txt.rangeOf(tg.rng, enc)})
	}
	return locs, nil
}

// fileText returns the URI and text a range of a snapshot refers to: the
// open document's, or the file's as the snapshot read it.
func (s *server) fileText(snap *snapshot, name string) (string, *text) {
	s.mu.Lock()
	var uri string
	for _, d := range s.docs {
		if d.path == name {
			uri = d.uri
		}
	}
	s.mu.Unlock()
	if uri == "" {
		uri = pathToURI(name)
	}
	if f := snap.cfg.Files[name]; f != nil {
		return uri, newText(f.Bytes)
	}
	if b, err := os.ReadFile(name); err == nil {
		return uri, newText(b)
	}
	return uri, nil
}
