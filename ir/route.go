package ir

import "net/netip"

// KindRouteAdd adds a route to a routing table.
const KindRouteAdd Kind = "route.add"

// RouteAdd adds a route to a numbered routing table, so that a rule can
// send a guest's traffic through its own gateway.
//
//	ip route add default via 10.7.0.1 table 7
type RouteAdd struct {
	Table int    `ir:"table"`         // 1..2^32-1, not 253, 254, 255
	To    string `ir:"to"`            // masked CIDR, or "default"
	Via   string `ir:"via,omitempty"` // gateway address, same family as To
	Dev   string `ir:"dev,omitempty"` // output link
}

func (*RouteAdd) Kind() Kind { return KindRouteAdd }

// routeDefault is how ip(8) spells the 0/0 destination.
const routeDefault = "default"

func (b *RouteAdd) check(c *checker) {
	c.table("table", b.Table)
	var to netip.Prefix
	if b.To != routeDefault {
		to, _ = c.network("to", b.To)
	}
	if b.Via == "" && b.Dev == "" {
		c.fail("via", "a route needs a gateway (via), a link (dev) or both")
	}
	if b.Via != "" {
		via, ok := c.ip("via", b.Via)
		if ok && to.IsValid() && via.Is4() != to.Addr().Is4() {
			c.fail("via", "gateway %s is not of the family of %s", b.Via, b.To)
		}
	}
	if b.Dev != "" {
		c.linkName("dev", b.Dev)
	}
}
