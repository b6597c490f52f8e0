package executor

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// Options say where and how a plan is applied.
type Options struct {
	// StateDir holds one folder per host with vsc's record, journal and
	// lock; DefaultStateDir when empty.
	StateDir string
	// NetNS aims every network op at that named network namespace
	// (/run/netns/NAME); "" is the process's own.
	NetNS string
	// DryRun prints what would change and changes nothing.
	DryRun bool
	// Out receives the review lines; nil discards them.
	Out io.Writer
	// Progress, when set, is told after each change how many of how many
	// are done (a terminal shows a counter).
	Progress func(done, total int)
	// Waiting is told who holds the host's lock when another run does.
	Waiting func(holder string)
	// FailAt makes the change of that index (0-based, in execution order)
	// fail before it reaches the kernel: fault injection for tests. -1,
	// the zero Options' 0 aside, is set by Apply from VSC_FAIL_AT.
	FailAt *int
	// Verified says the plan passed ir.Verify already: the compiler
	// verifies every plan it returns. Otherwise (a plan read from a
	// file) the run verifies it first.
	Verified bool
	// PlanKey identifies the plan's content, when the caller knows it:
	// equal keys mean equal plans (vsc apply gives the key of its
	// compiled-plan cache). A run may then skip reading back a record
	// that holds exactly the plan's objects (see record.key).
	PlanKey string
	// Adopt takes as vsc's, when the host has no record, the objects that
	// carry vsc's mark and the plan's objects the host holds as the plan
	// has them (see claimMarked); without it, marked objects and no
	// record stop the run.
	Adopt bool
}

func (o *Options) stateDir() string {
	if o.StateDir == "" {
		return DefaultStateDir
	}
	return o.StateDir
}

// Result counts what a run changed (or would change, in a dry run).
type Result struct {
	Added, Changed, Removed int
	// Gone counts vsc's objects that a run found gone already (removed by
	// hand, or by the kernel with another object): forgotten, not removed.
	Gone int
	// Adopted counts the objects a run with Options.Adopt took into its
	// record.
	Adopted int
	// Observed identifies the live objects the run acted on, as they were
	// before it (see ObservedDigest); set by dry runs and by runs of a
	// reviewed plan.
	Observed string
}

// Empty tells a run that changes nothing.
func (r Result) Empty() bool { return r.Added+r.Changed+r.Removed == 0 }

// Summary is the closing line of a review: "1 to add, 0 to change, 2 to
// remove." or "No changes."
func (r Result) Summary() string {
	if r.Empty() {
		return "No changes."
	}
	return fmt.Sprintf("%d to add, %d to change, %d to remove.", r.Added, r.Changed, r.Removed)
}

// Apply makes the host match the plan's host-state ops: it adds what is
// missing, replaces what differs, and removes what vsc created earlier
// that the plan no longer has. The plan must be verified.
func Apply(p *ir.Plan, o Options) (Result, error) {
	return run(p, o, mode{})
}

// Destroy removes everything vsc created on the plan's host.
func Destroy(p *ir.Plan, o Options) (Result, error) {
	return run(p, o, mode{destroy: true})
}

// Ensure adds (or replaces) the host-state objects of one owner of the
// plan — a guest's addresses, when it starts — and removes nothing: what
// else the host holds is vsc apply's business.
func Ensure(p *ir.Plan, owner string, o Options) (Result, error) {
	return run(p, o, mode{only: owner})
}

// mode says what a run is for: apply (the zero mode), destroy, or ensure
// one owner's objects.
type mode struct {
	destroy bool
	only    string
}

// verb is what an action does to one object.
type verb byte

const (
	add    verb = '+'
	change verb = '~'
	remove verb = '-'
)

// action is one change of a run: an object to add, replace or remove.
type action struct {
	verb verb
	key  string
	want *ir.Op  // add, change: the plan's op
	old  *ir.Op  // change, remove: the object as it is, to restore on rollback
	note string  // shown after the origin in the review
	h    handler // of the object's kind
}

// op is the op the action is about: the plan's, else the old one.
func (a *action) op() *ir.Op {
	if a.want != nil {
		return a.want
	}
	return a.old
}

// step is one call to the kernel; a change is two (remove the old
// object, create the new one).
type step struct {
	create bool
	op     *ir.Op
	act    *action
}

func (s step) verb() string {
	if s.create {
		return "create"
	}
	return "remove"
}

func run(p *ir.Plan, o Options, m mode) (res Result, err error) {
	if !o.Verified {
		if err := ir.Verify(p); err != nil {
			return res, fmt.Errorf("the plan fails verification:\n%w", err)
		}
	}
	h, err := openHost(p.Host, &o)
	if err != nil {
		return res, err
	}
	defer h.close()
	unlock, err := h.lock(o.Waiting)
	if err != nil {
		return res, err
	}
	defer unlock()

	ops := hostOps(p)
	var rec *record
	if m.only == "" && !m.destroy && h.recordIsPlan(o.PlanKey) {
		rec = recordOf(p, ops)
	} else if rec, err = h.loadRecord(); err != nil {
		return res, err
	}
	if err := h.recoverJournal(rec); err != nil {
		return res, err
	}
	// Without a record, vsc's marked objects are said or, with Adopt,
	// taken back; a run that ensures one owner's objects (m.only) does
	// neither.
	claiming := rec.missing && m.only == ""
	var adopted []*ir.Op
	if claiming {
		if adopted, err = h.claimMarked(rec, ops, o.Adopt, m.destroy); err != nil {
			return res, err
		}
	}
	var want []*ir.Op
	switch {
	case m.only != "":
		for _, op := range ops {
			if op.Owner == m.only {
				want = append(want, op)
			}
		}
	case !m.destroy:
		want = ops
	}
	lives, err := h.observe(ops, rec)
	if err != nil {
		return res, err
	}
	if claiming && o.Adopt {
		adopted = append(adopted, adoptPresent(rec, ops, lives)...)
	}
	res.Adopted = len(adopted)
	if p.ObservedDigest != "" || o.DryRun {
		// Only a reviewed plan is checked against it, and only a review
		// saves it: a plain run need not write out every live object.
		res.Observed = observedDigest(lives, rec)
	}
	if p.ObservedDigest != "" {
		if now := res.Observed; now != p.ObservedDigest {
			return res, fmt.Errorf("the host changed since this plan was reviewed: the objects it acts on on %s are not what they were (observed %s, now %s). Review a new plan with vsc apply --dry-run", h.where(), p.ObservedDigest, now)
		}
	}
	acts, gone, err := h.diff(want, rec, lives, m.only == "")
	if err != nil {
		return res, err
	}
	res.Gone = len(gone)
	counts := tally(acts)
	res.Added, res.Changed, res.Removed = counts.Added, counts.Changed, counts.Removed
	perr := h.precheck(acts, lives)
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	if o.DryRun || len(acts) == 0 {
		// A review shows the changes even when this host could not take
		// them, then says why.
		printReview(out, acts, gone, adopted)
		if !o.DryRun && len(gone)+len(adopted) > 0 {
			if err := h.saveRecord(rec); err != nil {
				return res, fmt.Errorf("cannot save the record: %w", err)
			}
		}
		return res, perr
	}
	if perr != nil {
		return res, perr
	}
	failAt := -1
	if o.FailAt != nil {
		failAt = *o.FailAt
	} else if s := os.Getenv("VSC_FAIL_AT"); s != "" {
		failAt, _ = strconv.Atoi(s)
	}
	switch {
	case m.destroy:
		rec.plan.Source, rec.plan.SourceDigest = "", ""
	case m.only == "":
		rec.plan.Source, rec.plan.SourceDigest = p.Source, p.SourceDigest
	}
	printGone(out, gone)
	printAdopted(out, adopted)
	g, err := h.execute(acts, rec, lives, out, o.Progress, failAt)
	res.Removed -= g
	res.Gone += g
	if err == nil {
		err = h.readBack(want, acts)
	}
	if err == nil && rec.fileSum != nil && m.only == "" && !m.destroy && o.PlanKey != "" && holdsExactly(rec, want) {
		// Best effort: without it, the next run reads the record.
		h.markRecord(o.PlanKey, *rec.fileSum)
	}
	return res, err
}

// opSet is a set of ops by identity.
func opSet(ops []*ir.Op) map[*ir.Op]bool {
	set := make(map[*ir.Op]bool, len(ops))
	for _, op := range ops {
		set[op] = true
	}
	return set
}

// holdsExactly tells whether the record holds the ops, the very ones
// (made by this run, or taken from this plan), and nothing else.
func holdsExactly(rec *record, ops []*ir.Op) bool {
	if len(rec.byKey) != len(ops) {
		return false
	}
	in := opSet(ops)
	for _, op := range rec.byKey {
		if !in[op] {
			return false
		}
	}
	return true
}

// hostOps are the plan's ops that make persistent kernel objects.
func hostOps(p *ir.Plan) []*ir.Op {
	var out []*ir.Op
	for _, op := range p.Ops {
		if k, ok := ir.Lookup(op.Body.Kind()); ok && k.HostState {
			out = append(out, op)
		}
	}
	return out
}

// ObservedDigest identifies the live objects a run of the plan would act
// on — those its ops and vsc's record name, as they are now — so that a
// plan reviewed with it (vsc apply --dry-run -o FILE) is refused later if
// the host changed in between.
func ObservedDigest(p *ir.Plan, o Options) (string, error) {
	h, err := openHost(p.Host, &o)
	if err != nil {
		return "", err
	}
	defer h.close()
	rec, err := h.loadRecord()
	if err != nil {
		return "", err
	}
	lives, err := h.observe(hostOps(p), rec)
	if err != nil {
		return "", err
	}
	return observedDigest(lives, rec), nil
}

func observedDigest(lives map[string]live, rec *record) string {
	keys := make([]string, 0, len(lives))
	for k := range lives {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "live %s %s %v\n", k, ir.BodyText(lives[k].body), lives[k].marked)
	}
	for _, op := range rec.ops() {
		fmt.Fprintf(&b, "record %s\n", ir.BodyText(op.Body))
	}
	return ir.Digest([]byte(b.String()))
}

// diff compares the plan's host-state ops with the live host and the
// record, and returns the actions that make the host match, in the
// order that keeps what the plan keeps:
//
//  1. what lives on a link the run replaces, removed before the link;
//  2. links vsc made that the plan no longer has, after what lives on
//     them (a VLAN id is free again for a new link), and vsc's other
//     objects of kinds that are not addresses, routes or rules;
//  3. additions and changes, in plan order;
//  4. vsc's addresses, routes and rules that the plan no longer has, in
//     reverse creation order (a route before the address that reaches
//     its gateway): after the new ones, so that an address moved never
//     leaves its link without one, which would make the kernel flush the
//     link's routes (see guardFlushes).
//
// It also returns the recorded objects that are gone already (removed
// outside vsc), which it drops from the record.
//
// Without removals (Ensure), only the plan's objects are looked at.
func (h *Host) diff(want []*ir.Op, rec *record, lives map[string]live, removals bool) (acts []*action, gone []*ir.Op, err error) {
	var adds []*action
	wanted := make(map[string]*ir.Op, len(want))
	var conflicts []string
	for _, op := range want {
		hd, err := handlerOf(op.Body.Kind())
		if err != nil {
			return nil, nil, err
		}
		k := hd.key(op.Body)
		wanted[k] = op
		l, exists := lives[k]
		r, recorded := rec.byKey[k]
		switch {
		case !exists:
			adds = append(adds, &action{verb: add, key: k, want: op, h: hd})
		case hd.same(op.Body, l.body):
			// Already there: nothing to do. An identical object vsc did
			// not make stays foreign (not recorded): destroy leaves it.
		case ours(hd, l, recorded):
			old := &ir.Op{Owner: op.Owner, Origin: op.Origin, Body: l.body}
			if recorded {
				old.Owner, old.Origin = r.Owner, r.Origin
			}
			adds = append(adds, &action{verb: change, key: k, want: op, old: old, h: hd,
				note: "was " + ir.BodyText(l.body)})
		default:
			conflicts = append(conflicts, fmt.Sprintf("%s (%s) is in the way: %s has %s, which vsc did not create and will not replace. Remove it, or change the configuration.",
				ir.BodyText(op.Body), op.Origin, h.where(), ir.BodyText(l.body)))
		}
	}
	goes, back, more := h.onReplacedLinks(want, adds, rec, lives)
	conflicts = append(conflicts, more...)
	if len(conflicts) > 0 {
		return nil, nil, errors.New(strings.Join(conflicts, "\n"))
	}
	adds = append(adds, back...)
	var stale []*action
	if removals {
		recorded := rec.ops()
		for i := len(recorded) - 1; i >= 0; i-- {
			r := recorded[i]
			k := keyOf(r.Body)
			if wanted[k] != nil {
				continue
			}
			hd, _ := handlerOf(r.Body.Kind())
			l, exists := lives[k]
			switch {
			case !exists:
				// Gone already (removed by hand): said, and forgotten.
				gone = append(gone, r)
				rec.drop(k)
			case ours(hd, l, true) && (hd.same(r.Body, l.body) || l.marked):
				stale = append(stale, &action{verb: remove, key: k, old: &ir.Op{Owner: r.Owner, Origin: r.Origin, Body: l.body}, h: hd})
			default:
				// Changed by someone else since vsc made it: no longer ours.
				rec.drop(k)
			}
		}
	}
	leaving := map[string]bool{}
	for _, a := range stale {
		if l, ok := a.old.Body.(*ir.LinkAdd); ok {
			leaving[l.Name] = true
		}
	}
	var early, late []*action
	for _, a := range stale {
		switch a.old.Body.(type) {
		case *ir.AddrAdd, *ir.RouteAdd, *ir.RuleAdd:
			if !leaving[devOf(a.old.Body)] {
				late = append(late, a)
				continue
			}
		}
		early = append(early, a)
	}
	acts = slices.Concat(goes, early, adds, late)
	acts, conflicts, err = h.guardFlushes(acts, wanted, lives)
	if err != nil {
		return nil, nil, err
	}
	if len(conflicts) > 0 {
		return nil, nil, fmt.Errorf("nothing was changed:\n%s", strings.Join(conflicts, "\n"))
	}
	return acts, gone, nil
}

// onReplacedLinks handles what lives on a link the run replaces (a VLAN
// whose id or parent changed): the kernel deletes a link's addresses and
// routes with it. vsc's own, which the plan keeps, are removed before the
// link and added back after it, as steps of their own, so that a rollback
// restores them too; a foreign one would be lost, so it stops the run.
func (h *Host) onReplacedLinks(want []*ir.Op, acts []*action, rec *record, lives map[string]live) (goes, back []*action, conflicts []string) {
	replaced := map[string]bool{}
	acted := map[string]bool{}
	for _, a := range acts {
		acted[a.key] = true
		if a.want == nil {
			continue
		}
		if l, ok := a.want.Body.(*ir.LinkAdd); ok && a.verb == change {
			replaced[l.Name] = true
		}
	}
	if len(replaced) == 0 {
		return nil, nil, nil
	}
	planned := map[string]*ir.Op{}
	for _, op := range want {
		planned[keyOf(op.Body)] = op
	}
	keys := make([]string, 0, len(lives))
	for k := range lives {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		l := lives[k]
		dev := devOf(l.body)
		if !replaced[dev] || acted[k] {
			continue
		}
		hd, _ := handlerOf(l.body.Kind())
		_, recorded := rec.byKey[k]
		if !ours(hd, l, recorded) {
			conflicts = append(conflicts, fmt.Sprintf("replacing link %s would delete %s on it, which vsc did not create. Remove it first, or keep the link as it is.", dev, ir.BodyText(l.body)))
		}
	}
	// Removals in reverse plan order (routes before the addresses that
	// reach their gateways), additions in plan order.
	for i := len(want) - 1; i >= 0; i-- {
		op := want[i]
		k := keyOf(op.Body)
		if l, ok := lives[k]; ok && replaced[devOf(op.Body)] && !acted[k] {
			hd, _ := handlerOf(op.Body.Kind())
			goes = append(goes, &action{verb: remove, key: k, old: &ir.Op{Owner: op.Owner, Origin: op.Origin, Body: l.body}, h: hd,
				note: "goes with link " + devOf(op.Body)})
		}
	}
	for _, op := range want {
		k := keyOf(op.Body)
		if _, ok := lives[k]; ok && replaced[devOf(op.Body)] && !acted[k] {
			hd, _ := handlerOf(op.Body.Kind())
			back = append(back, &action{verb: add, key: k, want: op, h: hd, note: "back on the new link"})
		}
	}
	return goes, back, conflicts
}

// devOf is the link an object lives on, "" for objects on no link.
func devOf(b ir.Body) string {
	switch b := b.(type) {
	case *ir.AddrAdd:
		return b.Dev
	case *ir.RouteAdd:
		return b.Dev
	}
	return ""
}

// ours tells whether a live object is vsc's: one that carries vsc's mark,
// or, for kinds without a mark, one vsc recorded. A recorded route that
// lost vsc's protocol (an admin replaced it) is no longer vsc's.
func ours(hd handler, l live, recorded bool) bool {
	if _, ok := hd.(marker); ok {
		return l.marked
	}
	return recorded
}

// observe reads the live objects of every kind the plan or the record
// names, one listing per kind.
func (h *Host) observe(want []*ir.Op, rec *record) (map[string]live, error) {
	byKind := map[ir.Kind][]ir.Body{}
	var kinds []ir.Kind
	addBody := func(b ir.Body) {
		if _, ok := byKind[b.Kind()]; !ok {
			kinds = append(kinds, b.Kind())
		}
		byKind[b.Kind()] = append(byKind[b.Kind()], b)
	}
	planned := opSet(want)
	for _, op := range want {
		addBody(op.Body)
	}
	for _, op := range rec.ops() {
		if !planned[op] { // the very op again (a record taken from the plan)
			addBody(op.Body)
		}
	}
	var lives map[string]live
	for _, k := range kinds {
		hd, err := handlerOf(k)
		if err != nil {
			return nil, err
		}
		got, err := hd.observe(h, byKind[k])
		if err != nil {
			return nil, fmt.Errorf("cannot read the live %s objects of %s: %w", k, h.where(), err)
		}
		// Keys start with their kind: the maps of two kinds never share
		// one, and the first can be kept as it is.
		if lives == nil {
			lives = got
			continue
		}
		for key, l := range got {
			lives[key] = l
		}
	}
	if lives == nil {
		lives = map[string]live{}
	}
	return lives, nil
}

// precheck runs every action's precondition against the host as it will
// be at that point, so that a run that cannot succeed stops before the
// first change.
func (h *Host) precheck(acts []*action, lives map[string]live) error {
	if len(acts) == 0 {
		return nil // nothing to judge (a converged run)
	}
	links, err := h.links()
	if err != nil {
		return err
	}
	w := &world{links: links, nets: map[int][]netip.Prefix{}}
	addrs, err := h.nl.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("cannot list the addresses of %s: %w", h.where(), err)
	}
	for _, a := range addrs {
		if p, ok := prefixOf(a.IPNet, 0); a.IPNet != nil && ok {
			w.addNet(mainTable, p)
		}
	}
	for _, l := range lives {
		if r, ok := l.body.(*ir.RouteAdd); ok && r.Via == "" {
			if p, ok := onLink(r); ok {
				w.addNet(r.Table, p)
			}
		}
	}
	var errs []string
	for _, a := range acts {
		if a.verb != add {
			w.forget(a.old.Body)
		}
		if a.verb == remove {
			continue
		}
		if err := a.h.precheck(h, a.want.Body, w); err != nil {
			errs = append(errs, fmt.Sprintf("cannot %s %s (%s): %v", verbText(a.verb), ir.BodyText(a.want.Body), a.want.Origin, err))
		}
		w.learn(a.want.Body)
	}
	if len(errs) > 0 {
		return fmt.Errorf("nothing was changed:\n%s", strings.Join(errs, "\n"))
	}
	return nil
}

// learn and forget follow what an action adds to or takes from the world
// that later prechecks see.
func (w *world) learn(b ir.Body) {
	switch b := b.(type) {
	case *ir.LinkAdd:
		w.links[b.Name] = true
	case *ir.AddrAdd:
		if p, err := netip.ParsePrefix(b.Address); err == nil {
			w.addNet(mainTable, p)
		}
	case *ir.RouteAdd:
		if p, ok := onLink(b); ok && b.Via == "" {
			w.addNet(b.Table, p)
		}
	case *ir.Mount:
		w.mounts = append(w.mounts, b)
	}
}

func (w *world) forget(b ir.Body) {
	switch b := b.(type) {
	case *ir.LinkAdd:
		delete(w.links, b.Name)
	case *ir.AddrAdd:
		if p, err := netip.ParsePrefix(b.Address); err == nil {
			w.dropNet(mainTable, p)
		}
	case *ir.RouteAdd:
		if p, ok := onLink(b); ok && b.Via == "" {
			w.dropNet(b.Table, p)
		}
	case *ir.Mount:
		for i, m := range w.mounts {
			if m.Target == b.Target {
				w.mounts = append(w.mounts[:i:i], w.mounts[i+1:]...)
				break
			}
		}
	}
}

// onLink is the network a dev-only route puts on-link.
func onLink(r *ir.RouteAdd) (netip.Prefix, bool) {
	if r.To == "default" {
		return netip.MustParsePrefix("0.0.0.0/0"), true
	}
	p, err := netip.ParsePrefix(r.To)
	return p, err == nil
}

func verbText(v verb) string {
	switch v {
	case add:
		return "add"
	case change:
		return "change"
	}
	return "remove"
}

// errInjected is the failure of a step chosen by FailAt.
var errInjected = errors.New("failure injected for testing (VSC_FAIL_AT)")

// execute runs the actions in order, journaling each step before it
// reaches the kernel. Consecutive steps whose requests vsc builds itself
// (routes, rules, addresses) go to the kernel in batches; the others go
// alone. When a step fails, the steps done — in a batch, those after the
// failed one that the kernel did too — are undone in reverse order, and
// the error says what failed first and what was rolled back.
func (h *Host) execute(acts []*action, rec *record, lives map[string]live, out io.Writer, progress func(int, int), failAt int) (gone int, err error) {
	j, err := h.openJournal()
	if err != nil {
		return 0, fmt.Errorf("cannot open the journal: %w", err)
	}
	before := rec.clone(0)
	var steps []step
	for _, a := range acts {
		if a.verb != add {
			steps = append(steps, step{create: false, op: a.old, act: a})
		}
		if a.verb != remove {
			steps = append(steps, step{create: true, op: a.want, act: a})
		}
	}
	// The record as it will be when every step succeeds is written while
	// the kernel works (stepDone makes the same changes, in the same
	// order, to rec).
	final := rec.clone(len(steps))
	rec.reserve(len(steps))
	for _, s := range steps {
		recordStep(final, s)
	}
	nextRec := h.prepareRecord(final)
	committed := false
	defer func() {
		if !committed {
			nextRec.discard()
		}
	}()
	// The journal announces the steps a batch ahead: those of the next
	// batch are written while the kernel works on the current one.
	// Announcing a step that then never runs is harmless.
	journaled := 0
	var jerr error
	announce := func(upTo int) error {
		upTo = min(upTo, len(steps))
		if upTo > journaled && jerr == nil {
			if jerr = j.intents(steps[journaled:upTo]); jerr == nil {
				journaled = upTo
			}
		}
		if upTo > journaled {
			return fmt.Errorf("cannot write the journal: %w", jerr)
		}
		return nil
	}
	if err := announce(maxBatch); err != nil {
		return 0, err
	}
	var done []step
	rp := newReviewPrinter(out)
	// Steps done are recorded and shown in order, before any failure;
	// those of a batch while the kernel works on the next one.
	var unshown []step
	show := func() {
		for _, s := range unshown {
			h.stepDone(s, rec, rp, progress, len(acts))
		}
		unshown = unshown[:0]
	}
	// undo rolls back the steps done and leaves the record as it was.
	undo := func() ([]string, error) {
		show()
		nextRec.discard()
		committed = true
		undone, rbErr := h.rollback(j, done)
		if serr := h.saveRecord(before); serr != nil && rbErr == nil {
			rbErr = serr
		}
		if rbErr == nil {
			j.finish()
			rbErr = h.restored(done, lives)
		}
		return undone, rbErr
	}
	// lostNetns stops the run when the namespace --netns names is no
	// longer the one it works in: what it did there is undone (in that
	// namespace, which its handles still reach), and nothing claims the
	// host — whatever now has that name — is as it was.
	lostNetns := func(err error) error {
		undone, rbErr := undo()
		return runError(err.Error()+".", undone, rbErr, "vsc's record is as it was before this run; nothing was changed in a namespace of that name.")
	}
	fail := func(s step, err error) error {
		if nerr := h.checkNetns(); nerr != nil {
			return lostNetns(nerr) // what most likely made the step fail
		}
		undone, rbErr := undo()
		return runError(stepFailed(s, err), undone, rbErr, "The host is as it was before this run.")
	}
	if err := h.checkNetns(); err != nil {
		return gone, lostNetns(err)
	}
	next := h.nextBatch(steps, failAt)
	for i := 0; i < len(steps); {
		b := next
		if len(b.reqs) == 0 {
			// The step goes alone: it cannot be batched, its request could
			// not be built, or FailAt picks it.
			err := b.broken
			if err == nil {
				err = announce(i + 1)
			}
			if err == nil {
				show()
				err = h.do(steps[i], i == failAt)
				if alreadyGone(steps[i], err) {
					gone += goneStep(steps[i])
					unshown = append(unshown, steps[i])
					i++
					next = h.nextBatch(steps[i:], failAt-i)
					continue
				}
			}
			if err != nil {
				return gone, fail(steps[i], err)
			}
			done = append(done, steps[i])
			unshown = append(unshown, steps[i])
			if err := h.checkNetns(); err != nil {
				return gone, lostNetns(err)
			}
			i++
			next = h.nextBatch(steps[i:], failAt-i)
			continue
		}
		n := len(b.reqs)
		if err := announce(i + n); err != nil {
			return gone, fail(steps[i], err)
		}
		sent := make(chan batchResult, 1)
		go func() { sent <- h.send(b) }()
		// While the kernel works: show the steps done before, announce the
		// next ones (an error shows when they come), build the next batch.
		show()
		announce(i + n + maxBatch)
		next = h.nextBatch(steps[i+n:], failAt-i-n)
		r := <-sent
		if r.lost != nil {
			// Which of the batch's changes the kernel made is unknown: as
			// after a crash, the journal tells the next run what to look
			// at.
			show()
			if err := h.saveRecord(rec); err != nil {
				return gone, fmt.Errorf("%v; the record could not be saved either (%v); the journal keeps what was done, and the next run will converge", r.lost, err)
			}
			return gone, fmt.Errorf("%v; the journal keeps what was done, and the next run will converge", r.lost)
		}
		failed := -1
		for k, err := range r.errs {
			switch s := steps[i+k]; {
			case err == nil:
				// Done, even after a failed step: the kernel went on.
				done = append(done, s)
				if failed < 0 {
					unshown = append(unshown, s)
				}
			case alreadyGone(s, err):
				// Nothing to undo: not done, but its end is reached.
				if failed < 0 {
					gone += goneStep(s)
					unshown = append(unshown, s)
				}
			case failed < 0:
				failed = k
			}
		}
		if failed >= 0 {
			return gone, fail(steps[i+failed], r.errs[failed])
		}
		if b.broken != nil {
			// The batch ended where a request could not be built.
			return gone, fail(steps[i+n], b.broken)
		}
		if err := h.checkNetns(); err != nil {
			return gone, lostNetns(err)
		}
		i += n
	}
	show()
	if err := h.checkNetns(); err != nil {
		return gone, lostNetns(err)
	}
	committed = true
	sum, err := nextRec.commit(h)
	if err == nil {
		rec.fileSum = &sum
	} else {
		// Once more, the plain way.
		if err := h.saveRecord(rec); err != nil {
			return gone, fmt.Errorf("the host was changed but the record could not be saved (the journal keeps what was done): %w", err)
		}
	}
	return gone, j.finish()
}

// alreadyGone tells whether a removal failed only because the object was
// not there any more (removed by hand, or by the kernel with something
// else during the run): the removal's end is reached.
func alreadyGone(s step, err error) bool {
	if s.create || err == nil {
		return false
	}
	switch s.op.Body.Kind() {
	case ir.KindRouteAdd:
		return errors.Is(err, unix.ESRCH)
	case ir.KindRuleAdd:
		return errors.Is(err, unix.ENOENT)
	case ir.KindAddrAdd:
		return errors.Is(err, unix.EADDRNOTAVAIL)
	case ir.KindLinkAdd:
		var nf netlink.LinkNotFoundError
		return errors.As(err, &nf) || errors.Is(err, unix.ENODEV)
	}
	return false
}

// goneStep notes a removal that found its object gone already, and
// counts it (1) when it was the whole action, not the first half of a
// change.
func goneStep(s step) int {
	if s.act.verb != remove {
		return 0
	}
	s.act.note = "already gone"
	return 1
}

// stepDone records a step done and, for the step that completes its
// action, prints the action's review line and tells progress.
func (h *Host) stepDone(s step, rec *record, rp *reviewPrinter, progress func(int, int), total int) {
	recordStep(rec, s)
	if s.create || s.act.verb == remove {
		rp.line(s.act)
		if progress != nil {
			progress(rp.n, total)
		}
	}
}

// recordStep changes the record as a step done changes what vsc made.
func recordStep(rec *record, s step) {
	if s.create {
		rec.putKey(s.act.key, s.op)
	} else if s.act.verb == remove {
		rec.drop(s.act.key)
	}
}

// do runs one step, already journaled.
func (h *Host) do(s step, fail bool) error {
	if s.op.Body.Kind() == ir.KindLinkAdd {
		h.linkCache = nil // links change: look them up afresh
	}
	switch {
	case fail:
		return errInjected
	case s.create:
		return s.act.h.create(h, s.op.Body)
	default:
		return s.act.h.remove(h, s.op.Body)
	}
}

// rollback undoes done steps in reverse order and returns what it undid.
func (h *Host) rollback(j *journal, done []step) ([]string, error) {
	var undone []string
	for i := len(done) - 1; i >= 0; i-- {
		s := done[i]
		inverse := step{create: !s.create, op: s.op, act: s.act}
		err := j.intents([]step{inverse})
		if err == nil {
			err = h.do(inverse, false)
		}
		if alreadyGone(inverse, err) {
			undone = append(undone, "gone already: "+ir.BodyText(s.op.Body))
			continue
		}
		if err != nil {
			return undone, fmt.Errorf("undoing %s failed too: %w; the journal keeps what was done, and the next run will converge", ir.BodyText(s.op.Body), err)
		}
		if s.create {
			undone = append(undone, "removed again "+ir.BodyText(s.op.Body))
		} else {
			undone = append(undone, "restored "+ir.BodyText(s.op.Body))
		}
	}
	return undone, nil
}

// stepFailed is the headline of a run stopped by a failed step.
func stepFailed(s step, err error) string {
	return fmt.Sprintf("cannot %s %s (%s, %s): %s.", s.verb(), ir.BodyText(s.op.Body), s.op.Owner, s.op.Origin, kernelWords(err))
}

// runError says why a run stopped, what it rolled back, and — when the
// rollback went through — ok, what then holds.
func runError(headline string, undone []string, rbErr error, ok string) error {
	var b strings.Builder
	b.WriteString(headline)
	if len(undone) == 0 {
		b.WriteString("\nNothing had been changed before it.")
	} else {
		fmt.Fprintf(&b, "\nRolled back %d change(s), in reverse order:", len(undone))
		for _, u := range undone {
			b.WriteString("\n  " + u)
		}
	}
	if rbErr != nil {
		fmt.Fprintf(&b, "\n%v", rbErr)
	} else {
		b.WriteString("\n" + ok)
	}
	return errors.New(b.String())
}

// recoverJournal folds a crashed run's journal into the record: an object
// it meant to create and that exists as it meant is vsc's; one it meant
// to remove and that is gone leaves the record.
func (h *Host) recoverJournal(rec *record) error {
	intents, err := h.readJournal()
	if err != nil {
		return fmt.Errorf("cannot read the journal of an interrupted run: %w", err)
	}
	if len(intents) == 0 {
		return nil
	}
	var ops []*ir.Op
	touched := map[string][]*ir.Op{} // key → bodies that may be vsc's
	var keys []string
	for _, in := range intents {
		k := keyOf(in.op.Body)
		if _, ok := touched[k]; !ok {
			keys = append(keys, k)
			if r, ok := rec.byKey[k]; ok {
				touched[k] = append(touched[k], r)
			}
		}
		if in.verb == "create" {
			touched[k] = append(touched[k], in.op)
		}
		ops = append(ops, in.op)
	}
	lives, err := h.observe(ops, rec)
	if err != nil {
		return err
	}
	for _, k := range keys {
		l, exists := lives[k]
		if !exists {
			rec.drop(k)
			continue
		}
		for i := len(touched[k]) - 1; i >= 0; i-- {
			c := touched[k][i]
			if hd, _ := handlerOf(c.Body.Kind()); hd.same(c.Body, l.body) {
				rec.put(c)
				break
			}
		}
	}
	if err := h.saveRecord(rec); err != nil {
		return err
	}
	return os.Truncate(h.journalPath(), 0)
}
