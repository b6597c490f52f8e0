package executor

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindRouteAdd, routeHandler{}) }

// vscProtocol is the routing protocol number (rtm_protocol, FRA_PROTOCOL)
// on every route and rule vsc creates: its mark of ownership, which
// survives the loss of the state dir and shows in `ip route` as
// "proto 118". The kernel interprets none above RTPROT_STATIC (4). 118
// is in no list: not in iproute2's rt_protos, nor among the numbers
// linux/rtnetlink.h reserves (up to 192, eigrp), nor those that routing
// daemons take for themselves (BIRD 12, Calico 80, FRR 186..198).
// Naming it takes a line "118 vsc" in /etc/iproute2/rt_protos.d/vsc.conf.
const vscProtocol = 118

// routeHandler applies route.add: `ip route add default via 10.7.0.1 table 7`.
type routeHandler struct{}

// routeDst is a route's destination as the kernel stores it, and its
// family: "default" is 0.0.0.0/0, or ::/0 when the gateway is IPv6.
func routeDst(r *ir.RouteAdd) (netip.Prefix, error) {
	if r.To != "default" {
		p, err := netip.ParsePrefix(r.To)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	if via, err := netip.ParseAddr(r.Via); err == nil && via.Is6() && !via.Is4In6() {
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), nil
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0), nil
}

// dstKey spells a destination in keys: "default" for the IPv4 one, as
// ip(8) and ir spell it.
func dstKey(p netip.Prefix) string {
	if p.Bits() == 0 && p.Addr().Is4() {
		return "default"
	}
	return p.String()
}

func routeKey(table int, dst netip.Prefix) string {
	return "route:" + strconv.Itoa(table) + ":" + dstKey(dst)
}

func (routeHandler) key(b ir.Body) string {
	r := b.(*ir.RouteAdd)
	dst, err := routeDst(r)
	if err != nil {
		return "route:" + strconv.Itoa(r.Table) + ":" + r.To
	}
	return routeKey(r.Table, dst)
}

// observe lists, once per table and family the bodies name, the routes
// of that table.
func (routeHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	type tableFamily struct{ table, family int }
	var lists []tableFamily
	want := map[tableFamily]bool{}
	for _, b := range bodies {
		r := b.(*ir.RouteAdd)
		dst, err := routeDst(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ir.BodyText(r), err)
		}
		tf := tableFamily{r.Table, netlink.FAMILY_V4}
		if dst.Addr().Is6() {
			tf.family = netlink.FAMILY_V6
		}
		if !want[tf] {
			want[tf] = true
			lists = append(lists, tf)
		}
	}
	if len(lists) == 0 {
		return map[string]live{}, nil
	}
	nl, done, err := h.tableHandle()
	if err != nil {
		return nil, err
	}
	defer done()
	names, err := linkNames(h)
	if err != nil {
		return nil, err
	}
	found := map[string][]live{}
	for _, tf := range lists {
		routes, err := listTable(nl, tf.table, tf.family)
		if err != nil {
			return nil, fmt.Errorf("table %d: %w", tf.table, err)
		}
		for _, rt := range routes {
			k, body := routeBody(rt, names)
			found[k] = append(found[k], live{body: body, marked: rt.Protocol == vscProtocol})
		}
	}
	return pickLive(routeHandler{}, found, bodies), nil
}

// pickLive chooses, where the kernel holds several objects under one
// key (routes that differ by metric or tos, rules sharing a priority),
// the one a diff should see: one that is as a body asks, else one of
// vsc's, else the first, which is in the way.
func pickLive(hd handler, found map[string][]live, bodies []ir.Body) map[string]live {
	out := map[string]live{}
	for k, ls := range found {
		out[k] = ls[0]
		for _, l := range ls {
			if l.marked && !out[k].marked {
				out[k] = l
			}
		}
	}
	// The plan's bodies come before the record's: the first to find its
	// object keeps it.
	matched := map[string]bool{}
	for _, b := range bodies {
		k := hd.key(b)
		if matched[k] {
			continue
		}
		for _, l := range found[k] {
			if hd.same(b, l.body) {
				out[k], matched[k] = l, true
				break
			}
		}
	}
	return out
}

// tableHandle returns a netlink handle whose route dumps the kernel
// filters by table (NETLINK_GET_STRICT_CHK, Linux 4.20): without it,
// every listing of one table is a dump of all of them, filtered here.
func (h *Host) tableHandle() (*netlink.Handle, func(), error) {
	ns := netns.None()
	if h.netns != "" {
		var err error
		ns, err = netns.GetFromName(h.netns)
		if err != nil {
			return nil, nil, fmt.Errorf("network namespace %q: %w", h.netns, err)
		}
		defer ns.Close()
	}
	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open netlink: %w", err)
	}
	// An older kernel ignores the table in the request; netlink then
	// filters the full dump, which is slower but the same.
	nl.SetStrictCheck(true)
	return nl, nl.Close, nil
}

// listTable lists the routes of one table and family.
func listTable(nl *netlink.Handle, table, family int) ([]netlink.Route, error) {
	var routes []netlink.Route
	err := retryDump(func() (err error) {
		routes, err = nl.RouteListFiltered(family, &netlink.Route{Table: table}, netlink.RT_FILTER_TABLE)
		return err
	})
	if errors.Is(err, unix.ENOENT) {
		// A strict dump of a table the kernel has never had.
		return nil, nil
	}
	return routes, err
}

// retryDump runs a netlink dump again when a change to the kernel's
// objects interrupted it (NLM_F_DUMP_INTR).
func retryDump(dump func() error) error {
	var err error
	for range 5 {
		if err = dump(); !errors.Is(err, netlink.ErrDumpInterrupted) {
			return err
		}
	}
	return err
}

// linkNames maps link indexes to names.
func linkNames(h *Host) (map[int]string, error) {
	var ls []netlink.Link
	err := retryDump(func() (err error) {
		ls, err = h.nl.LinkList()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list links: %w", err)
	}
	out := make(map[int]string, len(ls))
	for _, l := range ls {
		out[l.Attrs().Index] = l.Attrs().Name
	}
	return out, nil
}

// routeBody describes a live route as the op that would make it, and
// gives its key. A route that is not a plain unicast one (blackhole,
// multipath…) has neither gateway nor dev: no op asks for it.
func routeBody(rt netlink.Route, names map[int]string) (string, *ir.RouteAdd) {
	dst, _ := prefixOf(rt.Dst, rt.Family)
	dst = dst.Masked()
	body := &ir.RouteAdd{Table: rt.Table, To: dstKey(dst)}
	if rt.Type == unix.RTN_UNICAST && len(rt.MultiPath) == 0 {
		if a, ok := netip.AddrFromSlice(rt.Gw); ok {
			body.Via = a.Unmap().String()
		} else if v, ok := rt.Via.(*netlink.Via); ok {
			body.Via = v.Addr.String()
		}
		if rt.LinkIndex > 0 {
			body.Dev = names[rt.LinkIndex]
			if body.Dev == "" {
				body.Dev = fmt.Sprintf("if%d", rt.LinkIndex)
			}
		}
	}
	return routeKey(rt.Table, dst), body
}

func (routeHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.RouteAdd), got.(*ir.RouteAdd)
	wd, err1 := routeDst(w)
	gd, err2 := routeDst(g)
	if err1 != nil || err2 != nil || wd != gd || w.Table != g.Table {
		return false
	}
	if !sameAddr(w.Via, g.Via) {
		return false
	}
	// Without a dev, the kernel picks the one that reaches the gateway:
	// whichever it picked is what the op asked for.
	return w.Dev == "" || w.Dev == g.Dev
}

// sameAddr compares two addresses, "" being none.
func sameAddr(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x.Unmap() == y.Unmap()
}

// precheck checks the dev. A gateway is left to the kernel, which needs
// a connected route to it ("Nexthop has invalid gateway"): the address
// that makes that route may come from an earlier op of the same run,
// which the world of a precheck does not show; a refusal is rolled back.
func (routeHandler) precheck(h *Host, b ir.Body, w *world) error {
	r := b.(*ir.RouteAdd)
	if r.Dev != "" && !w.links[r.Dev] {
		return fmt.Errorf("%s has no link %q", h.where(), r.Dev)
	}
	if r.Via == "" {
		return nil
	}
	gw, err := netip.ParseAddr(r.Via)
	if err != nil {
		return err
	}
	if w.reaches(r.Table, gw) {
		return nil
	}
	// Not on-link through an address or a dev-only route vsc knows of:
	// ask the kernel, which also knows routes vsc did not make.
	if rs, err := h.nl.RouteGet(gw.AsSlice()); err == nil && len(rs) > 0 && rs[0].Gw == nil {
		return nil
	}
	return fmt.Errorf("gateway %s is not reachable: no address or dev-only route on %s puts it on a link. Add an address of its network (or a route to it with dev) first", r.Via, h.where())
}

func (routeHandler) marks() {}

func (routeHandler) create(h *Host, b ir.Body) error {
	r := b.(*ir.RouteAdd)
	rt, err := netlinkRoute(h, r)
	if err != nil {
		return err
	}
	if rt.Gw == nil {
		// A dev-only route reaches its destination directly, as ip(8)
		// makes it: `ip route add 10.7.0.0/16 dev eth0` is scope link.
		rt.Scope = netlink.SCOPE_LINK
	}
	err = h.nl.RouteAdd(rt)
	if rt.Gw != nil && (errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EINVAL)) {
		// The kernel's words ("Nexthop has invalid gateway") are not
		// asked for by netlink v1.3.1's handles; say what they mean.
		return fmt.Errorf("%w: the kernel needs a connected route to gateway %s (an address of that network on a link); none reaches it", err, r.Via)
	}
	return err
}

func (routeHandler) remove(h *Host, b ir.Body) error {
	rt, err := netlinkRoute(h, b.(*ir.RouteAdd))
	if err != nil {
		return err
	}
	// Any scope; the protocol makes the kernel delete vsc's route only.
	rt.Scope = netlink.SCOPE_NOWHERE
	return h.nl.RouteDel(rt)
}

func netlinkRoute(h *Host, r *ir.RouteAdd) (*netlink.Route, error) {
	dst, err := routeDst(r)
	if err != nil {
		return nil, err
	}
	rt := &netlink.Route{
		Table:    r.Table,
		Protocol: vscProtocol,
		Dst:      &net.IPNet{IP: dst.Addr().AsSlice(), Mask: net.CIDRMask(dst.Bits(), dst.Addr().BitLen())},
		Family:   netlink.FAMILY_V4,
	}
	if dst.Addr().Is6() {
		rt.Family = netlink.FAMILY_V6
	}
	if r.Via != "" {
		via, err := netip.ParseAddr(r.Via)
		if err != nil {
			return nil, err
		}
		rt.Gw = via.Unmap().AsSlice()
	}
	if r.Dev != "" {
		link, err := h.link(r.Dev)
		if err != nil {
			return nil, fmt.Errorf("link %q: %w", r.Dev, err)
		}
		rt.LinkIndex = link.Attrs().Index
	}
	return rt, nil
}
