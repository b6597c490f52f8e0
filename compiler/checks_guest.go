package compiler

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// guestChecks are the checks of guests: identity, names, roots, limits.
var guestChecks = []*Check{
	contextRange,
	contextConflict,
	nameInvalid,
	hostnameInvalid,
	rootConflict,
	pathInvalid,
	diskLimitUntagged,
	tagOnRoot,
	filesystemInvalid,
	valueRange,
	capabilityUnknown,
	capabilityConflict,
	capabilityDangerous,
	netRawShared,
	syscallUnknown,
	syscallConflict,
	syscallDangerous,
	flagUnknown,
	buildInvalid,
	devCopied,
	mountDevices,
}

// eachGuestBlock calls fn for the defaults block, then for every guest.
// Checks of single values look at the defaults block itself so that a bad
// default is reported where it is written, once, even when no guest uses it.
func eachGuestBlock(p *Pass, fn func(g *lang.Guest)) {
	if p.Config.Defaults != nil {
		fn(p.Config.Defaults)
	}
	for _, g := range p.Config.Guests {
		fn(g)
	}
}

// owner names a guest, or the defaults block, in a message.
func owner(g *lang.Guest) string {
	if !g.Label.Set { // only the defaults block has no label
		return "the defaults block"
	}
	return "guest " + g.Name
}

// upperFirst capitalizes a message that starts with owner(g).
func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// once remembers what was reported where. A value written once reaches many
// guests — every guest takes the defaults block's values, and every
// instance of a for_each guest shares its block's expressions — so a check
// reports a problem once per range and per value, not once per guest.
type once map[onceKey]bool

type onceKey struct {
	file       string
	start, end int
	what       string
}

// first reports whether (r, what) is seen for the first time.
func (o once) first(r hcl.Range, what string) bool {
	k := onceKey{r.Filename, r.Start.Byte, r.End.Byte, what}
	if o[k] {
		return false
	}
	o[k] = true
	return true
}

// cleanAbs returns the cleaned form of an absolute path; ok is false for a
// relative or empty path (path-invalid reports those), which checks that
// compare paths skip.
func cleanAbs(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	return path.Clean(p), true
}

// under reports whether the cleaned absolute path p is dir or lies inside it.
func under(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// parents calls fn for each folder enclosing the cleaned absolute path p,
// nearest first, ending with "/"; fn returns false to stop.
func parents(p string, fn func(dir string) bool) {
	for p != "/" {
		// p is clean: its parent is everything before the last slash.
		if i := strings.LastIndexByte(p, '/'); i > 0 {
			p = p[:i]
		} else {
			p = "/"
		}
		if !fn(p) {
			return
		}
	}
}

// quoteList formats names for a message: "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
