package executor

import (
	"fmt"

	"vsc/ir"
)

// markedKinds are the kinds whose live objects carry vsc's mark, in the
// order an adopted record lists them: links before what lives on them,
// rules last (a removal goes in reverse order).
var markedKinds = []ir.Kind{ir.KindLinkAdd, ir.KindRouteAdd, ir.KindRuleAdd}

// adoptedOrigin is the origin of an adopted object that the plan does not
// have: nothing of the configuration made it.
const adoptedOrigin = "adopted; not in the plan"

// claimMarked looks, when vsc has no record of the host, for live objects
// that carry vsc's mark: an earlier run made them, and the record that
// says so is lost (another --state-dir, a state dir wiped). Guessing
// would be wrong both ways — ignoring them leaks them forever, taking
// them may take what another vsc state dir owns — so the run stops and
// says what it found, unless adopt: then they go into the record, as the
// plan's op of the same key has them (owner and origin) or as the host's,
// and the run treats them as its own. It returns what it adopted.
func (h *Host) claimMarked(rec *record, ops []*ir.Op, adopt, destroy bool) ([]*ir.Op, error) {
	planned := make(map[string]*ir.Op, len(ops))
	for _, op := range ops {
		planned[keyOf(op.Body)] = op
	}
	var found []*ir.Op
	seen := map[string]bool{}
	for _, k := range markedKinds {
		hd, err := handlerOf(k)
		if err != nil {
			return nil, err
		}
		bodies, err := hd.(marker).marked(h)
		if err != nil {
			return nil, fmt.Errorf("cannot list the %s objects carrying vsc's mark on %s: %w", k, h.where(), err)
		}
		for _, b := range bodies {
			key := hd.key(b)
			if _, ok := rec.byKey[key]; ok || seen[key] {
				continue
			}
			seen[key] = true
			op := &ir.Op{Owner: ir.OwnerHost, Origin: adoptedOrigin, Body: b}
			if p := planned[key]; p != nil {
				op.Owner, op.Origin = p.Owner, p.Origin
			}
			found = append(found, op)
		}
	}
	if len(found) == 0 || adopt {
		for _, op := range found {
			rec.put(op)
		}
		return found, nil
	}
	cmd := "vsc apply --adopt (what the plan does not have is then removed)"
	if destroy {
		cmd = "vsc destroy --adopt (they are then removed)"
	}
	return nil, fmt.Errorf("nothing was changed: vsc has no record of host %s in %s, but %s holds %d object(s) carrying vsc's mark, made by an earlier run:\n%s\nTake them back with %s, point --state-dir at the state dir that holds their record, or remove them",
		h.name, h.stateDir, h.where(), len(found), listOps(found, 20), cmd)
}

// adoptPresent adds to the record, for a run that adopts, the plan's
// objects of kinds without a mark (addresses, mounts, project ids) that
// the host holds exactly as the plan has them: without a record, nothing
// else says they are vsc's. It returns what it adopted.
func adoptPresent(rec *record, ops []*ir.Op, lives map[string]live) []*ir.Op {
	var out []*ir.Op
	for _, op := range ops {
		hd, err := handlerOf(op.Body.Kind())
		if err != nil {
			continue
		}
		if _, ok := hd.(marker); ok {
			continue
		}
		k := hd.key(op.Body)
		if _, ok := rec.byKey[k]; ok {
			continue
		}
		if l, ok := lives[k]; ok && hd.same(op.Body, l.body) {
			rec.putKey(k, op)
			out = append(out, op)
		}
	}
	return out
}

// listOps lists ops as listLines does, each with its origin.
func listOps(ops []*ir.Op, max int) string {
	lines := make([]string, len(ops))
	for i, op := range ops {
		lines[i] = ir.BodyText(op.Body) + "  # " + op.Origin
	}
	return listLines(lines, max)
}
