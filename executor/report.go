package executor

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"vsc/ir"
)

// reviewPrinter writes the review lines of a run, grouped by owner:
//
//	# guest web
//	+ addr.add dev=eth0 address=10.0.0.2/24 label=eth0:web  # main.vsc.hcl:12:10
type reviewPrinter struct {
	w     io.Writer
	owner string
	n     int
}

func newReviewPrinter(w io.Writer) *reviewPrinter { return &reviewPrinter{w: w} }

func (p *reviewPrinter) line(a *action) {
	if p.w == io.Discard {
		p.n++ // nobody reads the lines: thousands of them cost milliseconds
		return
	}
	op := a.op()
	if op.Owner != p.owner || p.n == 0 {
		p.owner = op.Owner
		fmt.Fprintln(p.w, ownerHeading(op.Owner))
	}
	p.n++
	fmt.Fprintf(p.w, "%c %s  # %s", a.verb, ir.BodyText(op.Body), op.Origin)
	if a.note != "" {
		fmt.Fprintf(p.w, " (%s)", a.note)
	}
	fmt.Fprintln(p.w)
}

func ownerHeading(owner string) string {
	if name, ok := strings.CutPrefix(owner, "guest."); ok {
		return "# guest " + name
	}
	return "# " + owner
}

// printReview writes what a run would do, then its summary line; gone
// are vsc's objects found gone already (see printGone), adopted those it
// takes back (printAdopted).
func printReview(w io.Writer, acts []*action, gone, adopted []*ir.Op) {
	printGone(w, gone)
	printAdopted(w, adopted)
	p := newReviewPrinter(w)
	for _, a := range acts {
		p.line(a)
	}
	if p.n > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, tally(acts).Summary())
}

// printGone lists vsc's recorded objects that a run found gone already
// — removed by hand, or by the kernel with another object — which the
// record forgets: nothing is done about them, and nothing is hidden.
func printGone(w io.Writer, gone []*ir.Op) {
	printList(w, "Already gone (removed outside vsc; forgotten)", gone)
}

// printAdopted lists the objects a run with --adopt takes into vsc's
// record: from then on vsc changes and removes them as its own.
func printAdopted(w io.Writer, adopted []*ir.Op) {
	printList(w, "Adopted (no record; now vsc's)", adopted)
}

func printList(w io.Writer, title string, ops []*ir.Op) {
	if len(ops) == 0 || w == io.Discard {
		return
	}
	fmt.Fprintf(w, "%s: %d\n%s\n\n", title, len(ops), listOps(ops, -1))
}

// tally counts a run's actions by verb.
func tally(acts []*action) Result {
	var res Result
	for _, a := range acts {
		switch a.verb {
		case add:
			res.Added++
		case change:
			res.Changed++
		case remove:
			res.Removed++
		}
	}
	return res
}

// kernelWords says what the kernel answered, in words: "File exists
// (EEXIST)" rather than a bare errno, followed by the kernel's own words
// when it gave them and by what the call that failed adds:
// "Network is unreachable (ENETUNREACH: Nexthop has invalid gateway: …)".
func kernelWords(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		name := errnoName(errno)
		text := errno.Error()
		if len(text) > 0 {
			text = strings.ToUpper(text[:1]) + text[1:]
		}
		// The errno's own text is said once, capitalized; what wraps it
		// or follows it (the kernel's words, which call failed) is kept.
		detail := err.Error()
		if rest, ok := strings.CutPrefix(detail, errno.Error()); ok {
			detail = strings.TrimPrefix(rest, ": ")
		}
		if detail != "" {
			return fmt.Sprintf("%s (%s: %s)", text, name, detail)
		}
		return fmt.Sprintf("%s (%s)", text, name)
	}
	return err.Error()
}

func errnoName(e syscall.Errno) string {
	for name, v := range map[string]syscall.Errno{
		"EEXIST": syscall.EEXIST, "ENOENT": syscall.ENOENT, "ENODEV": syscall.ENODEV,
		"EINVAL": syscall.EINVAL, "EPERM": syscall.EPERM, "EACCES": syscall.EACCES,
		"ENETUNREACH": syscall.ENETUNREACH, "EADDRNOTAVAIL": syscall.EADDRNOTAVAIL,
		"EOPNOTSUPP": syscall.EOPNOTSUPP, "ENOSYS": syscall.ENOSYS, "EBUSY": syscall.EBUSY,
		"ESRCH": syscall.ESRCH, "ENOTDIR": syscall.ENOTDIR, "ENOSPC": syscall.ENOSPC,
		"EROFS": syscall.EROFS, "ENOTBLK": syscall.ENOTBLK,
	} {
		if v == e {
			return name
		}
	}
	return fmt.Sprintf("errno %d", int(e))
}
