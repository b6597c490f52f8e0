package executor

import (
	"fmt"
	"strings"

	"vsc/ir"
)

// The kernel changes more than it is asked to (an address's removal can
// take routes with it; another program may act between two steps), so a
// run does not take its own steps' success for the host's state: after
// it, the host is read again and compared with what the run meant.

// readBackLimit caps the lines of a read-back's list; the count is said.
const readBackLimit = 50

// readBack reads the objects the plan owns and those the run removed, and
// says what differs from the plan: an object missing or not as the plan
// asks, or one removed that is there again.
func (h *Host) readBack(want []*ir.Op, acts []*action) error {
	if len(acts) == 0 {
		return nil // the run's first reading was the read-back
	}
	wanted := make(map[string]bool, len(want))
	keys := make([]string, len(want), len(want)+len(acts))
	for i, op := range want {
		keys[i] = keyOf(op.Body)
		wanted[keys[i]] = true
	}
	look := want[:len(want):len(want)]
	for _, a := range acts {
		if a.verb == remove && !wanted[a.key] {
			look = append(look, a.old)
			keys = append(keys, a.key)
		}
	}
	lives, err := h.observe(look, newRecord(h.name, 0))
	if err != nil {
		return fmt.Errorf("the run's changes were made, but reading them back failed: %w", err)
	}
	var bad []string
	for i, op := range look {
		hd, err := handlerOf(op.Body.Kind())
		if err != nil {
			return err
		}
		k := keys[i]
		l, exists := lives[k]
		switch {
		case !wanted[k] && exists && ours(hd, l, true) && (l.marked || hd.same(op.Body, l.body)):
			// Another object under the key (a foreign rule at the
			// priority) is not the one removed.
			bad = append(bad, fmt.Sprintf("still there: %s (%s), which this run removed", ir.BodyText(l.body), op.Origin))
		case !wanted[k]:
		case !exists:
			bad = append(bad, fmt.Sprintf("missing: %s (%s)", ir.BodyText(op.Body), op.Origin))
		case !hd.same(op.Body, l.body):
			bad = append(bad, fmt.Sprintf("different: %s (%s): %s has %s", ir.BodyText(op.Body), op.Origin, h.where(), ir.BodyText(l.body)))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("read back after the run, %s does not hold what the plan asks (%d difference(s)):\n%s\nvsc's record keeps what this run did. Something else changed these objects during the run, or the kernel removed them with others; find the cause, then run vsc apply again",
		h.where(), len(bad), listLines(bad, readBackLimit))
}

// restored reads back, after a rollback, the objects the run's steps
// touched and says where they differ from what they were before it
// (lives): a rollback is claimed only once observed.
func (h *Host) restored(done []step, lives map[string]live) error {
	if len(done) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(done))
	var look []*ir.Op
	for _, s := range done {
		if !seen[s.act.key] {
			seen[s.act.key] = true
			look = append(look, s.op)
		}
	}
	now, err := h.observe(look, newRecord(h.name, 0))
	if err != nil {
		return fmt.Errorf("the changes were rolled back, but reading the host back failed: %w", err)
	}
	var bad []string
	for _, op := range look {
		hd, _ := handlerOf(op.Body.Kind())
		k := hd.key(op.Body)
		was, existed := lives[k]
		is, exists := now[k]
		switch {
		case existed && !exists:
			bad = append(bad, "missing: "+ir.BodyText(was.body))
		case !existed && exists:
			bad = append(bad, "still there: "+ir.BodyText(is.body))
		case existed && !hd.same(was.body, is.body):
			bad = append(bad, fmt.Sprintf("different: %s, was %s", ir.BodyText(is.body), ir.BodyText(was.body)))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("read back after the rollback, %s is not as it was before this run (%d difference(s)):\n%s", h.where(), len(bad), listLines(bad, readBackLimit))
}

// listLines indents a list, one item per line; past max lines (max ≥ 0;
// −1 lists all), it says how many more there are.
func listLines(lines []string, max int) string {
	var b strings.Builder
	for i, l := range lines {
		if i == max {
			fmt.Fprintf(&b, "  … and %d more\n", len(lines)-i)
			break
		}
		b.WriteString("  " + l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
