package executor

import (
	"fmt"
	"net/netip"

	"vsc/ir"
)

// handler applies, observes and undoes one kind of host-state op. Every
// host-state kind of ir's registry has one (TestEveryKindHandled).
type handler interface {
	// key identifies the object an op makes: two ops with one key are
	// about one kernel object, which the diff compares.
	key(b ir.Body) string
	// observe reads the live objects that ops of this kind would make,
	// by key; an absent key is an object that does not exist.
	observe(h *Host, bodies []ir.Body) (map[string]live, error)
	// same tells whether a live object is what the op asks for.
	same(want, got ir.Body) bool
	// precheck says, before anything is changed, why create would fail
	// on this host: a link that is missing, a kernel feature it lacks.
	precheck(h *Host, b ir.Body, w *world) error
	// create makes the object; remove unmakes what create made.
	create(h *Host, b ir.Body) error
	remove(h *Host, b ir.Body) error
}

// live is an object as the kernel has it, in the form of the op that
// would make it.
type live struct {
	body ir.Body
	// marked is true when the object carries vsc's own mark (a route's or
	// rule's protocol, a link's alias): vsc made it, record or not.
	marked bool
}

// world is what prechecks know of the host as it will be when an action
// runs: the links present then, and the networks directly reachable.
type world struct {
	links map[string]bool
	// nets are the networks on-link when the action runs, by routing
	// table: those of the addresses on the host's links (their connected
	// routes are in the main table) and of dev-only routes.
	nets map[int][]netip.Prefix
	// mounts are the mounts the run makes before the action: a project id
	// or quota under one is judged by the filesystem it brings, not by the
	// one it hides.
	mounts []*ir.Mount
}

// mainTable is the kernel's main routing table, where an address's
// connected route goes.
const mainTable = 254

// reaches tells whether a gateway is on-link in a table (or in main,
// where the kernel looks next).
func (w *world) reaches(table int, gw netip.Addr) bool {
	for _, t := range []int{table, mainTable} {
		for _, p := range w.nets[t] {
			if p.Contains(gw) {
				return true
			}
		}
	}
	return false
}

func (w *world) addNet(table int, p netip.Prefix) { w.nets[table] = append(w.nets[table], p.Masked()) }

func (w *world) dropNet(table int, p netip.Prefix) {
	nets := w.nets[table]
	for i, n := range nets {
		if n == p.Masked() {
			w.nets[table] = append(nets[:i:i], nets[i+1:]...)
			return
		}
	}
}

// marker is implemented by the handlers of kinds whose live objects carry
// vsc's mark (routes, rules, links, see markedKinds): for them an object
// without the mark is not vsc's, whatever the record says. marked lists
// every live object of the kind that carries the mark, as the op that
// would make it.
type marker interface {
	marked(h *Host) ([]ir.Body, error)
}

var handlers = map[ir.Kind]handler{}

func register(k ir.Kind, h handler) { handlers[k] = h }

func handlerOf(k ir.Kind) (handler, error) {
	h, ok := handlers[k]
	if !ok {
		return nil, fmt.Errorf("vsc cannot apply %s ops", k)
	}
	return h, nil
}

// keyOf is the key of an op's object, with its kind.
func keyOf(b ir.Body) string {
	h, err := handlerOf(b.Kind())
	if err != nil {
		return string(b.Kind()) + ":?"
	}
	return h.key(b)
}
