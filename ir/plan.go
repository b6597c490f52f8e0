package ir

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// FormatVersion is the version of the plan format this package reads
// and writes. It changes only when an existing kind or field changes
// meaning; adding a kind does not change it.
const FormatVersion = "1"

// OwnerHost is the owner of ops that belong to the host itself rather
// than to one guest (shared VLANs, routing tables, filesystems).
const OwnerHost = "host"

// guestOwnerPrefix starts the owner of every op made for one guest.
const guestOwnerPrefix = "guest."

// Plan is a compiled configuration: the ops for one host, in an order
// that respects every op's dependencies.
type Plan struct {
	FormatVersion string // FormatVersion
	Host          string // host name
	Source        string // the configuration path it was compiled from, as given on the command line
	SourceDigest  string // "sha256:<hex>", see Digest
	// ObservedDigest, when set, identifies the live objects the plan was
	// reviewed against (vsc apply --dry-run -o): applying the plan is
	// refused if they changed since. Empty for a plan made by compile.
	ObservedDigest string
	// PlanDigest identifies the rest of the plan — its header and every
	// op — as it was when it was made ("sha256:<hex>", see Seal): a saved
	// plan whose ops or header were changed since no longer matches it,
	// and is refused when it is loaded (CheckDigest). The encoders write
	// it as it is; empty for a plan that was never sealed.
	PlanDigest string
	Ops        []*Op
}

// Op is one primitive operation: a kind-specific Body plus the data every
// op carries, so that each line of a plan can be traced back to the
// configuration that made it and ordered against the others.
type Op struct {
	ID     int    // position, 0-based, equals the index in Plan.Ops
	Owner  string // OwnerHost or GuestOwner(NAME)
	Origin string // "FILE:LINE:COL" of the configuration that caused the op
	After  []int  // ids this op depends on; all smaller than ID, sorted, no duplicates
	Body   Body   // the kind-specific fields
}

// Kind names an op kind, e.g. "link.add". Names are stable: kinds may be
// added, never renamed.
type Kind string

// Body holds the fields of one op kind. It is implemented only by the
// structs of this package (LinkAdd, AddrAdd, …): the unexported method
// keeps the set of kinds closed, so that every body has a registry row,
// encoders and checks.
type Body interface {
	Kind() Kind

	// check reports the problems of the body's own fields; Verify adds
	// the checks that need the op or the whole plan.
	check(c *checker)
}

// GuestOwner returns the owner of the ops made for the guest name.
func GuestOwner(name string) string { return guestOwnerPrefix + name }

// guestOf returns the guest name of owner and whether owner names a guest.
func guestOf(owner string) (string, bool) {
	return strings.CutPrefix(owner, guestOwnerPrefix)
}

// Digest returns the source digest of a configuration's bytes as it is
// written in Plan.SourceDigest: "sha256:" and 64 lower-case hex digits.
// The compiler records it and the executor recomputes it, so a plan is
// never applied to a configuration that changed since it was compiled.
func Digest(source []byte) string {
	sum := sha256.Sum256(source)
	return digestPrefix + hex.EncodeToString(sum[:])
}

const digestPrefix = "sha256:"

// Add appends an op with the next id and returns it. after is copied,
// sorted and deduplicated, so callers can pass dependencies in any
// order; Verify still checks that each one is earlier.
func (p *Plan) Add(owner, origin string, body Body, after ...int) *Op {
	deps := slices.Clone(after)
	slices.Sort(deps)
	deps = slices.Compact(deps)
	op := &Op{ID: len(p.Ops), Owner: owner, Origin: origin, After: deps, Body: body}
	p.Ops = append(p.Ops, op)
	return op
}
