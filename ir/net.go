package ir

import "strconv"

// KindNetConfine confines a guest's sockets to its own addresses.
const KindNetConfine Kind = "net.confine"

// KindVethAdd gives a guest a network namespace's link to the host.
const KindVethAdd Kind = "veth.add"

// NetConfine confines a guest that shares the host's network namespace
// (network = "shared", util-vserver's network context) to its own
// addresses, with cgroup socket hooks on the guest's cgroup v2 folder:
// binding another address fails with EPERM; binding the wildcard
// (0.0.0.0, ::) binds the guest's first address of that family instead,
// and so does the loopback address (127.0.0.1, ::1), as util-vserver did;
// a connection or datagram leaves from the guest's first address of its
// family; a port below 1024 may be bound on its own addresses. A guest
// without Addresses can bind and send nothing on IPv4 and IPv6.
//
//	(BPF programs attached to the guest's cgroup: cgroup/bind4, bind6, connect4, connect6, sendmsg4, sendmsg6)
type NetConfine struct {
	Guest     string   `ir:"guest"`
	Addresses []string `ir:"addresses,omitempty"` // bare IPv4 and IPv6 addresses, the first of each family first
}

func (*NetConfine) Kind() Kind { return KindNetConfine }

func (b *NetConfine) check(c *checker) {
	for i, a := range b.Addresses {
		addr, ok := c.ip("addresses", a)
		if ok && (addr.IsUnspecified() || addr.IsLoopback() || addr.IsMulticast() || addr.Is4In6()) {
			c.fail("addresses", "%s cannot be a guest's own address", a)
		}
		for _, b := range b.Addresses[:i] {
			if a == b {
				c.fail("addresses", "%q is listed twice", a)
			}
		}
	}
}

// VethAdd gives a guest with a network namespace of its own (network =
// "isolated") a routed veth pair: Name on the host, eth0 in the guest,
// with the guest's Addresses on eth0, and a default route through the
// host. On the host, each address gets a host route to Name in each of
// Tables (so that the host's tables and rules still route the guest's
// traffic), and a proxy neighbour entry on its link of Links (the same
// position), so that the host answers ARP and NDP for it there. Name has
// proxy ARP (the guest's neighbours are behind it) and reverse-path
// filtering (the guest cannot send from another address). The pair goes
// with the guest's network namespace; the proxy entries are removed when
// the guest stops.
//
//	ip link add vsc300 type veth peer name eth0 netns GUEST; ip -n GUEST addr add 10.7.0.2/16 dev eth0; ip route add 10.7.0.2/32 dev vsc300 table 7; ip neigh add proxy 10.7.0.2 dev eth0.7
type VethAdd struct {
	Guest     string   `ir:"guest"`
	Name      string   `ir:"name"`                // the host end, ≤ 15 bytes
	Addresses []string `ir:"addresses,omitempty"` // the guest's, address/prefix
	Links     []string `ir:"links,omitempty"`     // the host link of each address
	Tables    []string `ir:"tables"`              // routing table numbers for the host routes, main (254) first
}

func (*VethAdd) Kind() Kind { return KindVethAdd }

func (b *VethAdd) check(c *checker) {
	c.linkName("name", b.Name)
	if len(b.Links) != len(b.Addresses) {
		c.fail("links", "%d links for %d addresses: one link per address", len(b.Links), len(b.Addresses))
	}
	for i, a := range b.Addresses {
		p, ok := c.addrPrefix("addresses", a)
		if ok && (p.Addr().IsUnspecified() || p.Addr().IsLoopback() || p.Addr().IsMulticast() || p.Addr().Zone() != "") {
			c.fail("addresses", "%s cannot be a guest's own address", a)
		}
		if i < len(b.Links) {
			c.linkName("links", b.Links[i])
		}
	}
	c.list("tables", b.Tables, func(t string) {
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil || n == 0 || n == 253 || n == 255 {
			c.fail("tables", "%q is not a routing table number (1..2^32-1, not 253 or 255)", t)
		}
	})
}

// vethClaims claims the host end's name and the guest's addresses: an
// isolated guest's address is its own as much as a shared one's.
func vethClaims(b *VethAdd) []string {
	keys := []string{"link:" + b.Name}
	for _, a := range b.Addresses {
		keys = append(keys, "addr:"+addrKey(a))
	}
	return keys
}
