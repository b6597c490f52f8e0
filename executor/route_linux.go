package executor

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/vishvananda/netlink"
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
	// Built in one allocation: a run computes thousands.
	var buf [64]byte
	b := strconv.AppendInt(append(buf[:0], "route:"...), int64(table), 10)
	b = append(b, ':')
	if dst.Bits() == 0 && dst.Addr().Is4() {
		b = append(b, "default"...)
	} else {
		b = dst.AppendTo(b)
	}
	return string(b)
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
	names, err := linkNames(h)
	if err != nil {
		return nil, err
	}
	found := make(map[string][]live, len(bodies))
	var one []live // most keys hold one route: their slices share one array
	for _, tf := range lists {
		routes, err := listTable(h, tf.table, tf.family)
		if err != nil {
			return nil, fmt.Errorf("table %d: %w", tf.table, err)
		}
		if cap(one)-len(one) < len(routes) {
			one = make([]live, 0, len(routes))
		}
		for _, rt := range routes {
			k, body := routeBody(rt, names)
			l := live{body: body, marked: rt.protocol == vscProtocol}
			if ls, ok := found[k]; ok {
				found[k] = append(ls, l)
			} else {
				one = append(one, l)
				found[k] = one[len(one)-1 : len(one) : len(one)]
			}
		}
	}
	return pickLive(routeHandler{}, found, bodies), nil
}

// pickLive chooses, where the kernel holds several objects under one
// key (routes that differ by metric or tos, rules sharing a priority),
// the one a diff should see: one that is as a body asks, else one of
// vsc's, else the first, which is in the way.
func pickLive(hd handler, found map[string][]live, bodies []ir.Body) map[string]live {
	out := make(map[string]live, len(found))
	shared := false
	for k, ls := range found {
		out[k] = ls[0]
		for _, l := range ls[1:] {
			shared = true
			if l.marked && !out[k].marked {
				out[k] = l
			}
		}
	}
	if !shared {
		return out // one object per key: nothing to choose
	}
	// The plan's bodies come before the record's: the first to find its
	// object keeps it.
	matched := map[string]bool{}
	for _, b := range bodies {
		k := hd.key(b)
		if matched[k] || len(found[k]) < 2 {
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

// liveRoute is what vsc reads of a route of a dump: what a route.add can
// say, and its protocol. It reads no other attribute: a route.add has
// none, and vishvananda/netlink's full reading of thousands of routes
// costs more than the kernel's dump of them. It holds values only: the
// message it was read from is in a receive buffer that the next read
// overwrites.
type liveRoute struct {
	family, dstLen, protocol, rtype uint8
	table                           int
	dst, gw                         netip.Addr // gw: RTA_GATEWAY, else RTA_VIA
	oif                             int
	multipath                       bool
}

// listTable lists the routes of one table and family, or of every table
// when table is allTables. The kernel filters the dump by table
// (NETLINK_GET_STRICT_CHK, Linux 4.20); an older one dumps every table,
// which this filters.
func listTable(h *Host, table, family int) ([]liveRoute, error) {
	req := newMsg(unix.RTM_GETROUTE, 0, unix.SizeofRtMsg)
	rtm := req.fixed()
	rtm[0] = uint8(family)
	if table < 256 {
		rtm[4] = uint8(table)
	} else {
		req = req.u32(unix.RTA_TABLE, uint32(table))
	}
	var routes []liveRoute
	err := retryDump(func() error {
		routes = routes[:0]
		return h.rt.dump(req.bytes(), unix.RTM_NEWROUTE, func(m []byte) {
			if rt, ok := parseRoute(m); ok && int(rt.family) == family && (rt.table == table || table == allTables) {
				routes = append(routes, rt)
			}
		})
	})
	if errors.Is(err, unix.ENOENT) {
		// A strict dump of a table the kernel has never had.
		return nil, nil
	}
	return routes, err
}

// allTables asks listTable for the routes of every table
// (RT_TABLE_UNSPEC).
const allTables = unix.RT_TABLE_UNSPEC

// parseRoute reads an RTM_NEWROUTE message (rtmsg, then attributes);
// false for a cloned route (a cache entry, not a route of the table).
func parseRoute(m []byte) (liveRoute, bool) {
	if len(m) < unix.SizeofRtMsg {
		return liveRoute{}, false
	}
	rt := liveRoute{family: m[0], dstLen: m[1], table: int(m[4]), protocol: m[5], rtype: m[7]}
	if ne.Uint32(m[8:])&unix.RTM_F_CLONED != 0 {
		return liveRoute{}, false
	}
	forAttrs(m[unix.SizeofRtMsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.RTA_DST:
			rt.dst, _ = netip.AddrFromSlice(v)
		case unix.RTA_GATEWAY:
			rt.gw, _ = netip.AddrFromSlice(v)
		case unix.RTA_VIA:
			if !rt.gw.IsValid() {
				rt.gw = viaAddr(v)
			}
		case unix.RTA_OIF:
			if len(v) >= 4 {
				rt.oif = int(ne.Uint32(v))
			}
		case unix.RTA_TABLE:
			if len(v) >= 4 {
				rt.table = int(ne.Uint32(v))
			}
		case unix.RTA_MULTIPATH:
			rt.multipath = len(v) > 0
		}
	})
	return rt, true
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
	req := newMsg(unix.RTM_GETLINK, 0, unix.SizeofIfInfomsg)
	// Names only: no statistics (RTEXT_FILTER_SKIP_STATS, Linux 4.19;
	// an older kernel sends them, unread).
	req = req.u32(unix.IFLA_EXT_MASK, 1<<3)
	out := map[int]string{}
	err := retryDump(func() error {
		clear(out)
		return h.rt.dump(req.bytes(), unix.RTM_NEWLINK, func(m []byte) {
			if len(m) < unix.SizeofIfInfomsg {
				return
			}
			index := int(int32(ne.Uint32(m[4:])))
			forAttrs(m[unix.SizeofIfInfomsg:], func(typ uint16, v []byte) {
				if typ == unix.IFLA_IFNAME {
					out[index] = unix.ByteSliceToString(v)
				}
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list links: %w", err)
	}
	return out, nil
}

// routeBody describes a live route as the op that would make it, and
// gives its key. A route that is not a plain unicast one (blackhole,
// multipath…) has neither gateway nor dev: no op asks for it.
func routeBody(rt liveRoute, names map[int]string) (string, *ir.RouteAdd) {
	dst := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	if rt.family == unix.AF_INET6 {
		dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	if rt.dst.IsValid() {
		bits := int(rt.dstLen)
		if bits > rt.dst.BitLen() {
			bits = 0
		}
		dst = netip.PrefixFrom(rt.dst.Unmap(), bits)
	}
	dst = dst.Masked()
	body := &ir.RouteAdd{Table: rt.table, To: dstKey(dst)}
	if rt.rtype == unix.RTN_UNICAST && !rt.multipath {
		if rt.gw.IsValid() {
			body.Via = rt.gw.Unmap().String()
		}
		if rt.oif > 0 {
			body.Dev = names[rt.oif]
			if body.Dev == "" {
				body.Dev = fmt.Sprintf("if%d", rt.oif)
			}
		}
	}
	return routeKey(rt.table, dst), body
}

// viaAddr reads RTA_VIA (an IPv6 gateway of an IPv4 route): its family,
// then the address; invalid when malformed.
func viaAddr(v []byte) netip.Addr {
	if len(v) < 2 {
		return netip.Addr{}
	}
	var a netip.Addr
	switch ne.Uint16(v) {
	case unix.AF_INET:
		if len(v) >= 6 {
			a, _ = netip.AddrFromSlice(v[2:6])
		}
	case unix.AF_INET6:
		if len(v) >= 18 {
			a, _ = netip.AddrFromSlice(v[2:18])
		}
	}
	return a
}

func (routeHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.RouteAdd), got.(*ir.RouteAdd)
	if w.To == g.To && w.Via == g.Via && w.Table == g.Table && (w.Dev == "" || w.Dev == g.Dev) {
		// Spelled alike, the common case of a converged host: one parse.
		if _, err := routeDst(g); err == nil {
			return true
		}
	}
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

func (routeHandler) marked(h *Host) ([]ir.Body, error) {
	names, err := linkNames(h)
	if err != nil {
		return nil, err
	}
	var out []ir.Body
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := listTable(h, allTables, family)
		if err != nil {
			return nil, err
		}
		for _, rt := range routes {
			if rt.protocol == vscProtocol {
				_, body := routeBody(rt, names)
				out = append(out, body)
			}
		}
	}
	return out, nil
}

func (routeHandler) create(h *Host, b ir.Body) error { return h.request(routeHandler{}, b, true) }

func (routeHandler) remove(h *Host, b ir.Body) error { return h.request(routeHandler{}, b, false) }

// request builds `ip route add` (or del): vsc's protocol, the table, the
// destination, the gateway and the dev's index. A dev-only route is
// scope link, as ip(8) makes it (`ip route add 10.7.0.0/16 dev eth0`); a
// removal names any scope, and the protocol makes the kernel delete
// vsc's route only.
func (routeHandler) request(h *Host, b ir.Body, create bool) ([]byte, error) {
	r := b.(*ir.RouteAdd)
	dst, err := routeDst(r)
	if err != nil {
		return nil, err
	}
	var gw []byte
	if r.Via != "" {
		via, err := netip.ParseAddr(r.Via)
		if err != nil {
			return nil, err
		}
		gw = via.Unmap().AsSlice()
		if len(gw) != dst.Addr().BitLen()/8 {
			return nil, fmt.Errorf("gateway %s is not of the family of %s", r.Via, r.To)
		}
	}
	var oif uint32
	if r.Dev != "" {
		link, err := h.link(r.Dev)
		if err != nil {
			return nil, fmt.Errorf("link %q: %w", r.Dev, err)
		}
		oif = uint32(link.Attrs().Index)
	}
	typ, flags := uint16(unix.RTM_DELROUTE), uint16(0)
	scope, rtype := uint8(unix.RT_SCOPE_NOWHERE), uint8(unix.RTN_UNSPEC)
	if create {
		typ, flags = unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL
		scope, rtype = unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
		if gw == nil {
			scope = unix.RT_SCOPE_LINK
		}
	}
	m := newMsg(typ, flags, unix.SizeofRtMsg)
	rtm := m.fixed()
	rtm[0] = unix.AF_INET // rtm_family
	if dst.Addr().Is6() {
		rtm[0] = unix.AF_INET6
	}
	rtm[1] = uint8(dst.Bits()) // rtm_dst_len
	rtm[4] = unix.RT_TABLE_UNSPEC
	if r.Table < 256 {
		rtm[4] = uint8(r.Table) // rtm_table; a larger one is RTA_TABLE's
	}
	rtm[5] = vscProtocol // rtm_protocol
	rtm[6] = scope
	rtm[7] = rtype
	m = m.attr(unix.RTA_DST, dst.Addr().AsSlice())
	if gw != nil {
		m = m.attr(unix.RTA_GATEWAY, gw)
	}
	if r.Table >= 256 {
		m = m.u32(unix.RTA_TABLE, uint32(r.Table))
	}
	if oif != 0 {
		m = m.u32(unix.RTA_OIF, oif)
	}
	return m.bytes(), nil
}

// refused explains the kernel's refusal of a gateway: it needs a
// connected route to it.
func (routeHandler) refused(b ir.Body, create bool, err error) error {
	r := b.(*ir.RouteAdd)
	if create && r.Via != "" && (errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EINVAL)) {
		return fmt.Errorf("%w: the kernel needs a connected route to gateway %s (an address of that network on a link); none reaches it", err, r.Via)
	}
	return err
}
