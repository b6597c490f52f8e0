package ir

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Verify checks a plan as data, independently of the compiler that made
// it: the header, every op's id, dependencies, owner and origin, every
// field of every body, and that no two ops claim one object (see
// KindInfo.Claims). It returns all the problems joined, each naming its
// op as "op N (KIND)", or nil when the plan is sound.
//
// The compiler's tests run Verify after every stage, and the executor
// runs it on every plan it loads: a plan that fails it is a compiler bug
// or a damaged file, never something to apply.
func Verify(p *Plan) error {
	if p == nil {
		return errors.New("plan: no plan")
	}
	c := &checker{pos: -1}
	if err := checkFormatVersion(p.FormatVersion); err != nil {
		c.fail("format_version", "%v", err)
	}
	c.nonEmpty("host", p.Host)
	c.text("host", p.Host)
	c.nonEmpty("source", p.Source)
	c.text("source", p.Source)
	for _, d := range []struct {
		key, v   string
		optional bool
	}{
		{"source_digest", p.SourceDigest, false},
		{"observed_digest", p.ObservedDigest, true},
		{"plan_digest", p.PlanDigest, true},
	} {
		if !(d.optional && d.v == "") && !isDigest(d.v) {
			c.fail(d.key, "%q is not %q and 64 lower-case hex digits", d.v, digestPrefix)
		}
	}

	// Each op is checked alone, and against the others for claims: two
	// passes, run side by side on a large plan, whose problems are then
	// merged in op order, each op's own before its claims'.
	var claims opProblems
	done := make(chan any, 1)
	if len(p.Ops) >= parallelOps {
		go func() {
			defer func() { done <- recover() }()
			claims = verifyClaims(p)
		}()
	} else {
		claims = verifyClaims(p)
		done <- nil
	}
	own := opProblems{ends: make([]int, len(p.Ops))}
	oc := &checker{}
	for i, op := range p.Ops {
		oc.pos, oc.op = i, op
		if op == nil {
			oc.fail("", "the op is missing (nil)")
		} else {
			verifyOp(oc, i, len(p.Ops), op)
		}
		own.ends[i] = len(oc.errs)
	}
	own.errs = oc.errs
	if r := <-done; r != nil {
		panic(r)
	}
	for i := range p.Ops {
		c.errs = append(c.errs, own.of(i)...)
		c.errs = append(c.errs, claims.of(i)...)
	}
	return errors.Join(c.errs...)
}

// parallelOps is the number of ops from which Verify runs its two passes
// side by side.
const parallelOps = 4096

// opProblems are the problems of a pass over the ops: those of op i are
// errs[ends[i-1]:ends[i]].
type opProblems struct {
	errs []error
	ends []int
}

func (o opProblems) of(i int) []error {
	start := 0
	if i > 0 {
		start = o.ends[i-1]
	}
	return o.errs[start:o.ends[i]]
}

// verifyClaims checks that no two ops claim one object, for the ops whose
// body verifyOp can check.
func verifyClaims(p *Plan) opProblems {
	type claimant struct {
		pos int
		op  *Op
	}
	// The first claimant of each key, then the others in order (rare: a
	// guest's projid.set and quota.set share its project id).
	claimed := make(map[string]claimant, len(p.Ops))
	more := map[string][]claimant{}
	c := &checker{}
	ends := make([]int, len(p.Ops))
	for i, op := range p.Ops {
		c.pos, c.op = i, op
		ends[i] = len(c.errs)
		if op == nil {
			continue
		}
		if _, ok := bodyValue(op.Body); !ok {
			continue
		}
		e := lookup(op.Body.Kind())
		if e == nil {
			continue
		}
		kind := op.Body.Kind()
		for _, key := range e.Claims(op.Body) {
			first, ok := claimed[key]
			if !ok {
				claimed[key] = claimant{i, op}
				continue
			}
			for _, q := range append([]claimant{first}, more[key]...) {
				if q.op.Owner != op.Owner || q.op.Body.Kind() == kind {
					c.fail("", "%s is also claimed by op %d (%s, owner %s)", key, q.pos, q.op.Body.Kind(), q.op.Owner)
					break
				}
			}
			more[key] = append(more[key], claimant{i, op})
		}
		ends[i] = len(c.errs)
	}
	return opProblems{c.errs, ends}
}

// verifyOp checks op, at position pos of a plan of n ops, alone.
// verifyClaims checks the claims of the ops whose body it finds usable
// here (it has a body, of a known kind).
func verifyOp(c *checker, pos, n int, op *Op) {
	if op.ID != pos {
		c.fail("id", "%d is not the op's position %d", op.ID, pos)
	}
	for k := range op.After {
		if msg := afterProblem(op.After, k, pos, n); msg != "" {
			c.fail("after", "%s", msg)
		}
	}
	guest, isGuest := guestOf(op.Owner)
	switch {
	case op.Owner == OwnerHost:
	case isGuest && guest != "" && !strings.ContainsAny(guest, "/\x00"):
	default:
		// The guest name becomes a path component (STATE/HOST/guests/NAME).
		c.fail("owner", "%q is neither %q nor %q followed by a guest name without '/'", op.Owner, OwnerHost, guestOwnerPrefix)
	}
	c.text("owner", op.Owner)
	if !validOrigin(op.Origin) {
		c.fail("origin", "%q is not FILE:LINE:COL", op.Origin)
	}
	c.text("origin", op.Origin)

	v, ok := bodyValue(op.Body)
	if !ok {
		c.fail("kind", "the op has no body")
		return
	}
	e := lookup(op.Body.Kind())
	if e == nil { // only a body type missing from the registry
		c.fail("kind", "unknown kind %q", op.Body.Kind())
		return
	}
	g := "" // the guest field (stringField(op.Body, "guest"))
	for _, f := range e.fields {
		switch fv := v.Field(f.index); f.typ {
		case typeString:
			s := fv.String()
			c.text(f.name, s)
			if f.name == "guest" {
				g = s
			}
		case typeStrings:
			for _, s := range fv.Interface().([]string) {
				c.text(f.name, s)
			}
		}
	}
	op.Body.check(c)
	if !e.HostState {
		// A step of a guest's sequence belongs to that guest alone.
		if !isGuest || g != guest {
			c.fail("guest", "%q does not match the owner %q: a guest's steps are owned by guest.NAME", g, op.Owner)
		}
	}
}

// afterProblem describes what is wrong with after[k], the k-th
// dependency of the op at position pos of a plan of n ops, or returns ""
// when nothing is. The binary encoder refuses what it reports.
func afterProblem(after []int, k, pos, n int) string {
	switch a := after[k]; {
	case a < 0 || a >= n:
		return fmt.Sprintf("op %d does not exist", a)
	case a >= pos:
		return fmt.Sprintf("op %d is not earlier: an op may only depend on earlier ops", a)
	case k > 0 && a == after[k-1]:
		return fmt.Sprintf("op %d is listed twice", a)
	case k > 0 && a < after[k-1]:
		return fmt.Sprintf("not sorted: %d after %d", a, after[k-1])
	}
	return ""
}

// opName is how errors name an op: "op 3 (addr.add)".
func opName(pos int, op *Op) string {
	if op == nil || op.Body == nil {
		return "op " + strconv.Itoa(pos)
	}
	return fmt.Sprintf("op %d (%s)", pos, op.Body.Kind())
}

// isDigest reports whether d is "sha256:" and 64 lowercase hex digits.
func isDigest(d string) bool {
	hex, ok := strings.CutPrefix(d, "sha256:")
	return ok && len(hex) == 64 && strings.Trim(hex, "0123456789abcdef") == ""
}

func checkFormatVersion(v string) error {
	if v != FormatVersion {
		return fmt.Errorf("version %q is not %q, the only one this vsc reads", v, FormatVersion)
	}
	return nil
}

// validOrigin reports whether s is FILE:LINE:COL with positive LINE and
// COL, so that a reviewer can always jump from an op to its source.
func validOrigin(s string) bool {
	rest, col, ok1 := cutLast(s, ":")
	file, line, ok2 := cutLast(rest, ":")
	return ok1 && ok2 && file != "" && positive(line) && positive(col)
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// positive reports whether s is a positive int written as strconv.Itoa
// writes it: decimal digits without sign or leading zero.
func positive(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := strconv.Atoi(s) // out of range
	return err == nil
}

// checker collects the problems of one plan, each prefixed with the
// thing at fault. Each rule is one method, used by every kind it applies
// to.
type checker struct {
	// pos and op are the op being checked; pos is -1 for the plan's
	// header. The prefix naming them is only made for a problem.
	pos  int
	op   *Op
	errs []error
}

// prefix names what is checked: "plan" or "op N (KIND)".
func (c *checker) prefix() string {
	if c.pos < 0 {
		return "plan"
	}
	return opName(c.pos, c.op)
}

func (c *checker) fail(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	c.errs = append(c.errs, errors.New(c.prefix()+": "+msg))
}

func (c *checker) nonEmpty(field, v string) {
	if v == "" {
		c.fail(field, "empty")
	}
}

// text rejects what no kernel interface or encoding can carry: bytes
// that are not UTF-8 (JSON would replace them) and NUL (C strings end there).
func (c *checker) text(field, v string) {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		c.fail(field, "%q is not valid UTF-8 or contains a NUL byte", v)
	}
}

func (c *checker) maxLen(field, v string, n int) {
	if len(v) > n {
		c.fail(field, "%q is %d bytes, longer than %d", v, len(v), n)
	}
}

func (c *checker) intRange(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		c.fail(field, "%d is out of range %d..%d", v, lo, hi)
	}
}

func (c *checker) oneOf(field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.fail(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// list checks a list that must not be empty nor repeat an element, then
// each element.
func (c *checker) list(field string, l []string, each func(string)) {
	if len(l) == 0 {
		c.fail(field, "empty list")
	}
	// A sorted list (a guest's syscall filter, its /dev) repeats an
	// element only next to itself: no need to look further back.
	sorted := slices.IsSorted(l)
	for i, s := range l {
		if sorted && i > 0 && l[i-1] == s || !sorted && slices.Contains(l[:i], s) {
			c.fail(field, "%q is listed twice", s)
			continue
		}
		each(s)
	}
}

// ifNameMax is the longest link name or address label: IFNAMSIZ (16)
// less the NUL. ip(8) and the kernel refuse longer ones, but only when
// the host is touched; util-vserver let a 16-byte label through to then.
const ifNameMax = 15

// linkName checks a link name as the kernel's dev_valid_name does.
func (c *checker) linkName(field, name string) {
	switch {
	case name == "":
		c.fail(field, "empty link name")
	case len(name) > ifNameMax:
		c.fail(field, "link name %q is %d bytes, longer than %d (IFNAMSIZ-1)", name, len(name), ifNameMax)
	case name == "." || name == "..":
		c.fail(field, "link name %q is reserved", name)
	case strings.ContainsAny(name, "/:") || strings.ContainsFunc(name, unicode.IsSpace):
		c.fail(field, "link name %q contains '/', ':' or white space", name)
	}
}

// label checks an address label: the kernel shows it as the link name
// in old tools (ifconfig eth0:web), so it is the link name alone or the
// link name, ':' and an alias name.
func (c *checker) label(field, label, dev string) {
	if len(label) > ifNameMax {
		c.fail(field, "label %q is %d bytes, longer than %d (IFNAMSIZ-1)", label, len(label), ifNameMax)
	}
	if label != dev && !strings.HasPrefix(label, dev+":") {
		c.fail(field, "label %q must be the dev name %q or start with %q", label, dev, dev+":")
	}
}

// addrPrefix checks an address with its prefix length, host part kept
// (10.7.0.2/16).
func (c *checker) addrPrefix(field, s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		c.fail(field, "%q is not an address/prefix like 10.7.0.2/16: %v", s, err)
		return netip.Prefix{}, false
	}
	return p, true
}

// network checks a network: an address/prefix with no host bits set, so
// that what is written is what the kernel stores and lists.
func (c *checker) network(field, s string) (netip.Prefix, bool) {
	p, ok := c.addrPrefix(field, s)
	if ok && p.Masked() != p {
		c.fail(field, "%q has host bits set; the network is %s", s, p.Masked())
		return netip.Prefix{}, false
	}
	return p, ok
}

// ip checks a bare address, such as a gateway.
func (c *checker) ip(field, s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		c.fail(field, "%q is not an IP address without zone", s)
		return netip.Addr{}, false
	}
	return a, true
}

// absPath checks a path on the host (or in a guest): absolute, and clean
// so that one folder has one spelling, in claims as in the kernel.
func (c *checker) absPath(field, p string) {
	switch {
	case !path.IsAbs(p):
		c.fail(field, "%q is not an absolute path", p)
	case path.Clean(p) != p:
		c.fail(field, "%q is not clean; write %q", p, path.Clean(p))
	}
}

// Static contexts: 0 is the host, 1 the spectator, 49152 and above are
// dynamic in util-vserver. Project ids and cgroups are named after them.
const (
	contextMin = 2
	contextMax = 49151
)

func (c *checker) context(field string, v int64) {
	if v < contextMin || v > contextMax {
		c.fail(field, "context %d is out of the static range %d..%d", v, contextMin, contextMax)
	}
}

// Routing tables 253, 254 and 255 are the kernel's default, main and
// local; 0 is unspecified.
var reservedTables = map[int]string{253: "default", 254: "main", 255: "local"}

func (c *checker) table(field string, v int) {
	if name, ok := reservedTables[v]; ok {
		c.fail(field, "table %d is the kernel's %s table", v, name)
		return
	}
	c.intRange(field, int64(v), 1, 1<<32-1)
}
