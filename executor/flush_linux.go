package executor

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// The kernel deletes every IPv4 route through a link, in every table,
// when the link loses its last IPv4 address (fib_disable_ip), and says
// nothing. The diff puts a link's new addresses before the removal of its
// old ones, so that an address moved never leaves its link without one.
// guardFlushes handles what that order cannot:
//
//   - a change of a link's only address (removed, then made again): vsc's
//     routes through the link that the plan keeps are removed before it
//     and added back after, as steps of their own, which a rollback
//     undoes too;
//   - a run that would leave a staying link without an IPv4 address while
//     routes go through it that the plan keeps, or that vsc did not make,
//     stops before any change, saying which.

// v4AddrDev is the link of an IPv4 address op; ok false for other ops.
func v4AddrDev(b ir.Body) (dev string, ok bool) {
	a, isAddr := b.(*ir.AddrAdd)
	if !isAddr {
		return "", false
	}
	p, err := netip.ParsePrefix(a.Address)
	return a.Dev, err == nil && p.Addr().Is4()
}

// emptied is a link left without an IPv4 address by the action at index
// at, until the action at index back gives it one again (-1: never).
type emptied struct {
	dev      string
	at, back int
}

// guardFlushes returns the actions with the route removals and additions
// that keep vsc's routes through a link whose only IPv4 address an
// action replaces, or the conflicts that stop the run. wanted is the
// plan's ops by key.
func (h *Host) guardFlushes(acts []*action, wanted map[string]*ir.Op, lives map[string]live) ([]*action, []string, error) {
	leaving := map[string]bool{} // links the run removes or replaces: what is on them goes with them
	for _, a := range acts {
		if l, ok := a.op().Body.(*ir.LinkAdd); ok && a.verb != add {
			leaving[l.Name] = true
		}
	}
	removesV4 := false
	for _, a := range acts {
		if a.verb != add {
			if dev, ok := v4AddrDev(a.old.Body); ok && !leaving[dev] {
				removesV4 = true
			}
		}
	}
	if !removesV4 {
		return acts, nil, nil
	}
	names, err := linkNames(h)
	if err != nil {
		return nil, nil, err
	}
	addrs, err := h.nl.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list the addresses of %s: %w", h.where(), err)
	}
	count := map[string]int{}
	for _, a := range addrs {
		count[names[a.LinkIndex]]++
	}
	var events []emptied
	pending := map[string]int{} // link → its event waiting for an address
	for i, a := range acts {
		if a.verb != add {
			if dev, ok := v4AddrDev(a.old.Body); ok && !leaving[dev] && count[dev] > 0 {
				if count[dev]--; count[dev] == 0 {
					pending[dev] = len(events)
					events = append(events, emptied{dev: dev, at: i, back: -1})
				}
			}
		}
		if a.verb != remove {
			if dev, ok := v4AddrDev(a.want.Body); ok {
				count[dev]++
				if e, ok := pending[dev]; ok {
					events[e].back = i
					delete(pending, dev)
				}
			}
		}
	}
	if len(events) == 0 {
		return acts, nil, nil
	}

	routes, err := listTable(h, allTables, netlink.FAMILY_V4)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot list the routes of %s: %w", h.where(), err)
	}
	through := map[string][]liveRoute{}
	for _, rt := range routes {
		// The local table and the kernel's own routes come and go with
		// the addresses themselves.
		if rt.table == unix.RT_TABLE_LOCAL || rt.protocol == unix.RTPROT_KERNEL || rt.oif == 0 {
			continue
		}
		dev := names[rt.oif]
		through[dev] = append(through[dev], rt)
	}
	actedAt := make(map[string]int, len(acts))
	for i, a := range acts {
		actedAt[a.key] = i
	}
	before := map[int][]*action{}
	after := map[int][]*action{}
	var conflicts []string
	for _, e := range events {
		cause := acts[e.at].old
		for _, rt := range through[e.dev] {
			k, body := routeBody(rt, names)
			at, acted := actedAt[k]
			if acted && (at > e.at || acts[at].verb == remove) {
				// The run changes or removes it after the flush (a step
				// that finds it gone is done), or removed it before.
				continue
			}
			op := wanted[k]
			lost := fmt.Sprintf("removing %s (%s) leaves %s without an IPv4 address, and the kernel then deletes every IPv4 route through it", ir.BodyText(cause.Body), cause.Origin, e.dev)
			switch {
			case rt.protocol != vscProtocol:
				conflicts = append(conflicts, fmt.Sprintf("%s: %s, which vsc did not create, would go. Keep an IPv4 address on %s, or remove that route first.", lost, ir.BodyText(body), e.dev))
			case op == nil:
				conflicts = append(conflicts, fmt.Sprintf("%s: %s, which carries vsc's mark but is in no record of this state dir, would go. Keep an IPv4 address on %s, or remove that route first.", lost, ir.BodyText(body), e.dev))
			case e.back < 0:
				conflicts = append(conflicts, fmt.Sprintf("%s: %s (%s), which the plan keeps, would go. Keep an IPv4 address on %s, or remove those routes from the configuration.", lost, ir.BodyText(op.Body), op.Origin, e.dev))
			default:
				old := body
				if l, ok := lives[k]; ok {
					old = l.body.(*ir.RouteAdd)
				}
				if acted {
					old = acts[at].want.Body.(*ir.RouteAdd) // made again by this run, before the flush
				}
				note := "the kernel would delete it with the last IPv4 address of " + e.dev
				before[e.at] = append(before[e.at], &action{verb: remove, key: k, old: &ir.Op{Owner: op.Owner, Origin: op.Origin, Body: old}, h: routeHandler{}, note: note})
				after[e.back] = append(after[e.back], &action{verb: add, key: k, want: op, h: routeHandler{}, note: "back once " + e.dev + " has an address again"})
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, conflicts, nil
	}
	if len(before) == 0 {
		return acts, nil, nil
	}
	out := make([]*action, 0, len(acts)+2*len(before))
	for i, a := range acts {
		out = append(out, before[i]...)
		out = append(out, a)
		out = append(out, after[i]...)
	}
	return out, nil, nil
}
